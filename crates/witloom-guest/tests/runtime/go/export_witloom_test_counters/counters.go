// The `counters` interface of the `test` world in Go.
package export_witloom_test_counters

import "runtime"

// Counter is the resource's representation. The generated bindings use
// `pinner` and `handle`; `value` is ours.
type Counter struct {
	pinner runtime.Pinner
	handle int32
	value  int64
}

var live uint32

func newCounter(value int64) *Counter {
	live++
	return &Counter{value: value}
}

// OnDrop runs when the last handle to the counter is dropped.
func (self *Counter) OnDrop() { live-- }

func MakeCounter(start int64) *Counter { return newCounter(start) }

func (self *Counter) Add(by int64) int64 {
	self.value += by
	return self.value
}

func (self *Counter) Get() int64 { return self.value }

func CounterMerge(a, b *Counter) *Counter { return newCounter(a.value + b.value) }

func Live() uint32 { return live }
