package apiservertest

import "syscall"

// supported says whether Start can run here.
func supported() error { return nil }

// sysProcAttr puts a process in a group of its own, so that killGroup ends
// it with any children, and has the kernel kill it should the test binary
// die without running its cleanups.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// killGroup kills the process group led by pid. Its data is thrown away
// with the test, so there is nothing to shut down gracefully.
func killGroup(pid int) {
	_ = syscall.Kill(-pid, syscall.SIGKILL)
}
