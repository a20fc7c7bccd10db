// The `dedupe` plugin, in Go: drops a line that repeats the one before it,
// and says at the end how many it dropped.
package export_example_textfilter_filter

import (
	"fmt"
	"runtime"

	. "wit_component/example_textfilter_filter"
	host "wit_component/example_textfilter_host"
)

// About says what the plugin does.
func About() Info {
	return Info{Name: "dedupe", Description: "drops a line that repeats the one before it"}
}

// Session remembers the last line it let through. The generated
// bindings use `pinner` and `handle`; the rest is ours.
type Session struct {
	pinner  runtime.Pinner
	handle  int32
	last    *string
	dropped uint32
}

// MakeSession starts a session.
func MakeSession() *Session { return &Session{} }

// Push lets `line` through unless it repeats the last one.
func (s *Session) Push(line string) []string {
	if s.last != nil && *s.last == line {
		s.dropped++
		return nil
	}
	s.last = &line
	return []string{line}
}

// Finish reports what was dropped.
func (s *Session) Finish() []string {
	host.Log(fmt.Sprintf("dropped %d repeated line(s)", s.dropped))
	return nil
}

// OnDrop is called when the host drops the session.
func (s *Session) OnDrop() {}
