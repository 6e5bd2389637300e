//go:build !linux

package apiservertest

import (
	"errors"
	"syscall"
)

// supported says whether Start can run here: the binaries are built for
// and the process handling written for Linux.
func supported() error {
	return errors.New("apiservertest runs the API server on Linux only")
}

func sysProcAttr() *syscall.SysProcAttr { return nil }

func killGroup(int) {}
