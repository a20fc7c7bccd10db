// The `extra` world in Go: one interface imported under two names, and a
// resource the world declares itself, implemented by the host.
package export_witloom_test_extras

import (
	backup "wit_component/backup"
	primary "wit_component/primary"
	world "wit_component/wit_world"
)

// JournalTwice appends to one interface imported under two names.
func JournalTwice(entry string) uint32 {
	primary.Append(entry)
	return backup.Append(entry)
}

// UseTicket makes, punches and reads the world's own resource, then drops it.
func UseTicket(label string, punches uint32) (string, uint32) {
	ticket := world.MakeTicket(label)
	defer ticket.Drop()
	var count uint32
	for i := uint32(0); i < punches; i++ {
		count = ticket.Punch()
	}
	return ticket.Label(), count
}
