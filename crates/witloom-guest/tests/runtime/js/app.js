// The suite's world `test` in JavaScript: every export echoes or computes
// as the other languages' guests do (tests/all/runtime.rs checks them all).
// Types as jco maps them: u64/s64 are BigInt, list<u8> a Uint8Array,
// records objects, enums strings, flags objects of booleans, variants
// `{ tag, val }`, options `undefined` or the value; a `result` returned is
// the ok value, or thrown.

import { addOne, log } from "witloom:test/host@0.1.0";

const echo = (x) => x;

function gcd(a, b) {
  a = Math.abs(a);
  b = Math.abs(b);
  while (b !== 0) {
    [a, b] = [b, a % b];
  }
  return a;
}

/// The fraction in lowest terms, its denominator positive.
function reduced(numerator, denominator) {
  if (denominator < 0) {
    numerator = -numerator;
    denominator = -denominator;
  }
  const d = gcd(numerator, denominator) || 1;
  return { numerator: numerator / d, denominator: denominator / d };
}

export const values = {
  echoBool: echo,
  echoU8: echo,
  echoS8: echo,
  echoU16: echo,
  echoS16: echo,
  echoU32: echo,
  echoS32: echo,
  echoU64: echo,
  echoS64: echo,
  echoF32: echo,
  echoF64: echo,
  echoChar: echo,
  echoString: echo,
  stringLen(x) {
    // The length in UTF-8 bytes, as the host counts it.
    return new TextEncoder().encode(x).length;
  },
  repeatString(x, n) {
    return x.repeat(n);
  },
  echoBytes: echo,
  sumBytes(x) {
    let sum = 0n;
    for (const b of x) {
      sum += BigInt(b);
    }
    return sum;
  },
  flipPoints(x) {
    return x.map((p) => ({ x: p.y, y: p.x })).reverse();
  },
  echoColor: echo,
  echoPerms: echo,
  echoMany: echo,
  echoShape: echo,
  echoEverything: echo,
  echoOption: echo,
  echoOptionString: echo,
  checkedDiv(a, b) {
    if (b === 0) {
      throw "division by zero";
    }
    // WIT's s32 division truncates toward zero.
    return Math.trunc(a / b);
  },
  echoResult(x) {
    if (x.tag === "ok") {
      return x.val;
    }
    throw x.val;
  },
  echoTuple: echo,
  swap(a, b) {
    return [b, a];
  },
  new(numerator, denominator) {
    if (denominator === 0) {
      throw "the denominator is zero";
    }
    return reduced(numerator, denominator);
  },
  add(a, b) {
    return reduced(
      a.numerator * b.denominator + b.numerator * a.denominator,
      a.denominator * b.denominator,
    );
  },
  callHost(x) {
    log("call-host");
    return addOne(x) * 2;
  },
};

let live = 0;

class Counter {
  constructor(start) {
    live += 1;
    this.value = start;
  }
  add(by) {
    this.value += by;
    return this.value;
  }
  get() {
    return this.value;
  }
  static merge(a, b) {
    return new Counter(a.value + b.value);
  }
  [Symbol.dispose]() {
    live -= 1;
  }
}

export const counters = {
  Counter,
  live() {
    return live;
  },
};
