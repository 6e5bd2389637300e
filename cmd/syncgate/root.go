package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// Exit codes, as docs/design.md defines them.
const (
	exitAllowed  = 0
	exitFindings = 1
	exitError    = 2
)

// codeError carries an exit code up to main; only main exits.
type codeError struct {
	code int
	err  error
}

func (e *codeError) Error() string { return e.err.Error() }
func (e *codeError) Unwrap() error { return e.err }

// errBlocked reports findings at or above --fail-on; the report already
// said what they are.
var errBlocked = errors.New("blocked")

func run(args []string, out, errOut io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	cmd := NewRootCmd(out, errOut)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(ctx)
	if err == nil {
		return exitAllowed
	}
	var ce *codeError
	if errors.As(err, &ce) {
		if !errors.Is(ce.err, errBlocked) {
			fmt.Fprintf(errOut, "syncgate: %v\n", ce.err)
		}
		return ce.code
	}
	fmt.Fprintf(errOut, "syncgate: %v\n", err)
	return exitError
}

// NewRootCmd builds the syncgate command tree writing to out and errOut.
func NewRootCmd(out, errOut io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:           "syncgate",
		Short:         "Check what a GitOps repository would sync, before it syncs",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(out)
	root.SetErr(errOut)
	root.AddCommand(newCheckCmd(), newDiffCmd(), newMergeCmd(), newRenderCmd(), newTargetsCmd(), newPolicyCmd(), newRulesCmd(), newVersionCmd(), newServeCmd())
	// Bool flags are made plain when usage is printed, not here: cobra
	// adds its own (--help, completion's --no-descriptions) only when it
	// executes. Every subcommand inherits this usage function.
	usage := root.UsageFunc()
	root.SetUsageFunc(func(c *cobra.Command) error {
		c.Flags().VisitAll(plainBool)
		c.InheritedFlags().VisitAll(plainBool)
		return usage(c)
	})
	return root
}

// plainBool makes help show a boolean flag as --flag, as kubectl, helm and
// flux do, where pflag 1.1 writes --flag[=true|false]. pflag adds that
// suffix to values that say they are booleans (IsBoolFlag); the wrapper
// hides the method and keeps the rest: the flag already has
// NoOptDefVal "true", so --flag still means --flag=true.
func plainBool(f *pflag.Flag) {
	if _, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && f.Value.Type() == "bool" {
		f.Value = plainBoolValue{f.Value}
	}
}

// plainBoolValue is a flag value without IsBoolFlag.
type plainBoolValue struct{ pflag.Value }
