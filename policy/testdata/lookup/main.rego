package main

deny contains "looked up a host" if {
	net.lookup_ip_addr("example.com")
}
