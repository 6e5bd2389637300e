package main

deny contains "reached the network" if {
	http.send({"method": "get", "url": "http://127.0.0.1:9/"})
}
