// The matrix runner in Go: calls the `values` and `counters` exports of
// whichever `test` implementation it is composed with, and checks every
// result. Prints one line per check; `Run` fails if any check fails.

package export_wasi_cli_run

import (
	"fmt"
	"math"

	witTypes "go.bytecodealliance.org/pkg/wit/types"
	c "wit_component/witloom_test_counters"
	v "wit_component/witloom_test_values"
)

type runner struct {
	checks, failed int
}

func (r *runner) check(name string, ok bool) {
	r.checks++
	status := "ok  "
	if !ok {
		r.failed++
		status = "FAIL"
	}
	fmt.Printf("%s %s\n", status, name)
}

func Run() witTypes.Result[witTypes.Unit, witTypes.Unit] {
	r := &runner{}
	r.check("echo-u8", v.EchoU8(255) == 255)
	r.check("echo-s64", v.EchoS64(math.MinInt64) == math.MinInt64)
	r.check("echo-f64", v.EchoF64(1.5) == 1.5)
	r.check("echo-char", v.EchoChar('€') == '€')
	r.check("echo-string", v.EchoString("héllo, wörld ✓") == "héllo, wörld ✓")
	r.check("string-len", v.StringLen("héllo") == 6)
	r.check("repeat-string", v.RepeatString("ab", 3) == "ababab")
	r.check("sum-bytes", v.SumBytes([]uint8{1, 2, 3, 250}) == 256)
	flipped := v.FlipPoints([]v.Point{{X: 1, Y: 2}, {X: 3, Y: -4}})
	r.check("flip-points", len(flipped) == 2 &&
		flipped[0] == v.Point{X: -4, Y: 3} && flipped[1] == v.Point{X: 2, Y: 1})
	r.check("echo-color", v.EchoColor(v.Color_Blue) == v.Color_Blue)
	perms := v.Perms_Read | v.Perms_Exec
	r.check("echo-perms", v.EchoPerms(perms) == perms)
	shape := v.EchoShape(v.MakeShapeRect(v.Size{Width: 3, Height: 4}))
	r.check("echo-shape", shape.Tag() == v.Shape_Rect && shape.Rect() == v.Size{Width: 3, Height: 4})
	opt := v.EchoOption(witTypes.Some[uint32](7))
	r.check("echo-option", opt.IsSome() && opt.Some() == 7)
	r.check("echo-option-none", !v.EchoOption(witTypes.None[uint32]()).IsSome())
	div := v.CheckedDiv(7, 2)
	r.check("checked-div", !div.IsErr() && div.Ok() == 3)
	byZero := v.CheckedDiv(1, 0)
	r.check("checked-div-by-zero", byZero.IsErr() && byZero.Err() != "")
	a, b := v.Swap("left", "right")
	r.check("swap", a == "right" && b == "left")
	half := v.New(2, 4)
	r.check("fraction-new", !half.IsErr() && half.Ok() == v.Fraction{Numerator: 1, Denominator: 2})
	third := v.New(1, 3)
	ok := !half.IsErr() && !third.IsErr()
	r.check("fraction-add", ok && v.Add(half.Ok(), third.Ok()) == v.Fraction{Numerator: 5, Denominator: 6})
	r.check("call-host", v.CallHost(5) == 12)

	live := c.Live()
	c1 := c.MakeCounter(10)
	c2 := c.MakeCounter(1)
	r.check("counter-add", c1.Add(5) == 15)
	r.check("counter-get", c1.Get() == 15)
	c3 := c.CounterMerge(c1, c2)
	r.check("counter-merge", c3.Get() == 16)
	r.check("counters-live", c.Live() == live+3)
	c1.Drop()
	c2.Drop()
	c3.Drop()
	r.check("counters-dropped", c.Live() == live)

	fmt.Printf("%d checks, %d failed\n", r.checks, r.failed)
	if r.failed == 0 {
		return witTypes.Ok[witTypes.Unit, witTypes.Unit](witTypes.Unit{})
	}
	return witTypes.Err[witTypes.Unit, witTypes.Unit](witTypes.Unit{})
}
