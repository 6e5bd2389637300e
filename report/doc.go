// Package report formats a syncgate Decision. It holds no checking logic
// and never changes the Decision it is given.
package report
