package main

deny contains "reached the network" if {
	http.send({"method": "get", "url": "http://{{LISTENER}}/policy"})
}
