package validate

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	// The API server embeds the time zone database (cmd/kube-apiserver
	// imports it for CronJob time zones), so syncgate does too: a verdict
	// must not depend on the files of the machine it runs on.
	_ "time/tzdata"

	"github.com/robfig/cron/v3"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/syncgate/syncgate/manifest"
)

// scheduleFindings checks a CronJob's schedule and time zone as the API
// server's validateScheduleFormat and validateTimeZone do. The schedule
// is parsed with the parser the server uses (robfig/cron v3's standard
// five-field one, with descriptors such as @daily); a TZ or CRON_TZ
// prefix is refused on create, where the timeZone field belongs.
func scheduleFindings(obj *manifest.Object) []manifest.Finding {
	if obj.Group() != "batch" || obj.Kind != "CronJob" {
		return nil
	}
	spec, _ := obj.Content["spec"].(map[string]any)
	var errs field.ErrorList
	if schedule, ok := spec["schedule"].(string); ok && schedule != "" {
		errs = append(errs, cronSchedule(schedule, field.NewPath("spec", "schedule"))...)
	}
	if tz, ok := spec["timeZone"].(string); ok {
		errs = append(errs, timeZone(tz, field.NewPath("spec", "timeZone"))...)
	}
	return fieldFindings(obj, RuleSchedule, errs)
}

// cronSchedule reports a schedule the standard cron parser refuses; the
// parser panics on some inputs, which the server reports as an invalid
// format, and so does this.
func cronSchedule(schedule string, p *field.Path) (errs field.ErrorList) {
	if _, err := parseCron(schedule); err != nil {
		errs = append(errs, field.Invalid(p, schedule, err.Error()))
	}
	if strings.Contains(schedule, "TZ") {
		errs = append(errs, field.Invalid(p, schedule, "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"))
	}
	return errs
}

// parseCron parses a standard schedule, turning a panic into an error.
func parseCron(schedule string) (sched cron.Schedule, err error) {
	defer func() {
		if r := recover(); r != nil {
			sched, err = nil, fmt.Errorf("invalid schedule format: %v", r)
		}
	}()
	return cron.ParseStandard(schedule)
}

// timeZoneComponent is what the server allows in each '/'-separated part
// of an IANA time zone name (letters, '.', '-', '_', and the digits and
// '+' of legacy names), at most 14 characters.
var timeZoneComponent = regexp.MustCompile(`^[A-Za-z\.\-_0-9+]{1,14}$`)

// timeZone reports a time zone that is empty, Local or not in the IANA
// database.
func timeZone(tz string, p *field.Path) field.ErrorList {
	if tz == "" {
		return field.ErrorList{field.Invalid(p, tz, "timeZone must be nil or non-empty string")}
	}
	for _, part := range strings.Split(tz, "/") {
		if part == "." || part == ".." || strings.HasPrefix(part, "-") || !timeZoneComponent.MatchString(part) {
			return field.ErrorList{field.Invalid(p, tz, "unknown time zone "+tz)}
		}
	}
	var errs field.ErrorList
	if strings.EqualFold(tz, "Local") {
		errs = append(errs, field.Invalid(p, tz, "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones"))
	}
	if _, err := time.LoadLocation(tz); err != nil {
		errs = append(errs, field.Invalid(p, tz, err.Error()))
	}
	return errs
}
