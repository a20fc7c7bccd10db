package export_smoke_hello_greeter

import hostlog "wit_component/smoke_hello_host_log"

func Greet(name string) string {
	hostlog.Log("greeting someone")
	return "hello, " + name + "!"
}
