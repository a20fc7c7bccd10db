// The `values` interface of the `test` world in Go.
package export_witloom_test_values

import (
	"strings"

	witTypes "go.bytecodealliance.org/pkg/wit/types"
	host "wit_component/witloom_test_host"
	. "wit_component/witloom_test_values"
)

func EchoBool(x bool) bool       { return x }
func EchoU8(x uint8) uint8       { return x }
func EchoS8(x int8) int8         { return x }
func EchoU16(x uint16) uint16    { return x }
func EchoS16(x int16) int16      { return x }
func EchoU32(x uint32) uint32    { return x }
func EchoS32(x int32) int32      { return x }
func EchoU64(x uint64) uint64    { return x }
func EchoS64(x int64) int64      { return x }
func EchoF32(x float32) float32  { return x }
func EchoF64(x float64) float64  { return x }
func EchoChar(x rune) rune       { return x }
func EchoString(x string) string { return x }

func StringLen(x string) uint32 { return uint32(len(x)) }

func RepeatString(x string, n uint32) string { return strings.Repeat(x, int(n)) }

func EchoBytes(x []uint8) []uint8 { return x }

func SumBytes(x []uint8) uint64 {
	var sum uint64
	for _, b := range x {
		sum += uint64(b)
	}
	return sum
}

// FlipPoints reverses the list and swaps each point's coordinates.
func FlipPoints(x []Point) []Point {
	out := make([]Point, len(x))
	for i, p := range x {
		out[len(x)-1-i] = Point{X: p.Y, Y: p.X}
	}
	return out
}

func EchoColor(x Color) Color                { return x }
func EchoPerms(x Perms) Perms                { return x }
func EchoMany(x Many) Many                   { return x }
func EchoShape(x Shape) Shape                { return x }
func EchoEverything(x Everything) Everything { return x }

func EchoOption(x witTypes.Option[uint32]) witTypes.Option[uint32] { return x }

func EchoOptionString(x witTypes.Option[string]) witTypes.Option[string] { return x }

func CheckedDiv(a, b int32) witTypes.Result[int32, string] {
	if b == 0 {
		return witTypes.Err[int32, string]("cannot divide by zero")
	}
	return witTypes.Ok[int32, string](a / b)
}

func EchoResult(x witTypes.Result[Point, Color]) witTypes.Result[Point, Color] { return x }

func EchoTuple(x witTypes.Tuple3[uint8, string, float64]) (uint8, string, float64) {
	return x.F0, x.F1, x.F2
}

func Swap(a, b string) (string, string) { return b, a }

func gcd(a, b int64) int64 {
	for b != 0 {
		a, b = b, a%b
	}
	if a < 0 {
		return -a
	}
	return a
}

func lowest(n, d int64) Fraction {
	g := gcd(n, d)
	if g == 0 {
		g = 1
	}
	sign := int64(1)
	if d < 0 {
		sign = -1
	}
	return Fraction{Numerator: int32(sign * n / g), Denominator: int32(sign * d / g)}
}

// New builds a fraction in lowest terms.
func New(numerator, denominator int32) witTypes.Result[Fraction, string] {
	if denominator == 0 {
		return witTypes.Err[Fraction, string]("the denominator is zero")
	}
	return witTypes.Ok[Fraction, string](lowest(int64(numerator), int64(denominator)))
}

// Add sums two fractions.
func Add(a, b Fraction) Fraction {
	n := int64(a.Numerator)*int64(b.Denominator) + int64(b.Numerator)*int64(a.Denominator)
	return lowest(n, int64(a.Denominator)*int64(b.Denominator))
}

// CallHost calls into the host in the middle of a call.
func CallHost(x uint32) uint32 {
	host.Log("call-host")
	return host.AddOne(x) * 2
}
