// Component `runner-go`, implementing the world `runner`.
// witloom wrote this file once (`witloom new`); it is yours to edit.

package export_wasi_cli_run

import (
	witTypes "go.bytecodealliance.org/pkg/wit/types"
)


// TODO: implement.
func Run() witTypes.Result[witTypes.Unit, witTypes.Unit] {
	panic("not implemented")
}
