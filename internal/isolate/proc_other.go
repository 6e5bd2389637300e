//go:build !linux

package isolate

import (
	"errors"
	"syscall"
	"time"
)

// Elsewhere only the wall-time and output limits hold.

func usage(int) (time.Duration, int64, error) { return 0, 0, errors.ErrUnsupported }

func limitAddressSpace(int64) error { return errors.ErrUnsupported }

func sysProcAttr() *syscall.SysProcAttr { return nil }
