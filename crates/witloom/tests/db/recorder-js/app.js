// `recorder-js`: the C `recorder` in JavaScript, line for line. Each run
// records itself and three words in the granted database, provokes one
// error of each kind the `sql` interface names, prints the tables, and
// logs a summary.

import { execute as sqlExecute, query as sqlQuery } from "witloom:host/sql@0.1.0";
import { log } from "witloom:host/log@0.1.0";

// A WIT `result` error arrives as a thrown `ComponentError` whose
// `payload` is the WIT `error` record.
function failed(e) {
  const err = e.payload;
  console.log(`error ${err.code}: ${err.message}`);
  return -1;
}

// Runs `statement`; prints the error and returns -1 if it fails.
function execute(statement, params = []) {
  try {
    return sqlExecute(statement, params);
  } catch (e) {
    return failed(e);
  }
}

function show(value) {
  switch (value.tag) {
    case "null":
      return "null";
    case "integer":
      return `${value.val}`;
    case "real":
      return value.val.toFixed(2);
    case "text":
      return `'${value.val}'`;
    default:
      return `blob[${value.val.length}]`;
  }
}

// Prints every row of `statement`, one line each: `col=value ...`.
function query(statement) {
  let rows;
  try {
    rows = sqlQuery(statement, []);
  } catch (e) {
    return failed(e);
  }
  for (const row of rows.values) {
    console.log(row.map((v, c) => `${rows.columns[c]}=${show(v)}`).join(" "));
  }
  return rows.values.length;
}

export const run = {
  run() {
    // SQL that SQLite and PostgreSQL both take, as the C recorder's.
    execute("CREATE TABLE IF NOT EXISTS runs (id INTEGER PRIMARY KEY)");
    execute(
      "CREATE TABLE IF NOT EXISTS words (word TEXT PRIMARY KEY, count INTEGER NOT NULL, " +
        "weight REAL, data BYTEA)",
    );
    const n = execute("INSERT INTO runs (id) SELECT COALESCE(MAX(id), 0) + 1 FROM runs");
    console.log(`insert run: ${n} row`);

    ["loom", "wit", "loom"].forEach((word, i) => {
      execute(
        "INSERT INTO words (word, count, weight, data) VALUES (?1, 1, ?2, ?3) " +
          "ON CONFLICT (word) DO UPDATE SET count = words.count + 1, weight = ?2",
        [
          { tag: "text", val: word },
          { tag: "real", val: 0.5 * (i + 1) },
          { tag: "blob", val: new Uint8Array([0xde, 0xad, 0xbe, 0xef]) },
        ],
      );
    });

    // One error of each kind; none of them traps.
    execute("INSERT INTO words (word, count) VALUES (?1, NULL)", [{ tag: "text", val: "orphan" }]);
    execute("SELEC nonsense");
    execute("INSERT INTO runs (id) VALUES (?1)");

    query("SELECT count(*) AS runs FROM runs");
    const rows = query("SELECT word, count, weight, data FROM words ORDER BY word");

    log("info", "recorder", "recorded three words", [{ key: "rows", value: `${rows}` }]);
  },
};
