package validate

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/syncgate/syncgate/manifest"
)

// redacted stands for a Secret's value in messages, as on the server.
const redacted = "<secret contents redacted>"

// dataFindings checks the keys and values of a ConfigMap or Secret as the
// API server's ValidateConfigMap and ValidateSecret do: keys are config
// keys (alphanumerics, '-', '_', '.'), a ConfigMap key is in data or
// binaryData, not both, a Secret's data values are base64 (the server
// cannot even decode the object otherwise), and the Secret types that
// need keys have them (stringData counts: the server merges it into data
// first). Secret values never appear in a message. Values SOPS left
// encrypted (ENC[...], when syncgate has no key to decrypt them) count as
// present but are not decoded.
func dataFindings(obj *manifest.Object) []manifest.Finding {
	if obj.Group() != "" || obj.Kind != "ConfigMap" && obj.Kind != "Secret" {
		return nil
	}
	dataPath := field.NewPath("data")
	var errs field.ErrorList
	data, _ := obj.Content["data"].(map[string]any)
	if obj.Kind == "ConfigMap" {
		binary, _ := obj.Content["binaryData"].(map[string]any)
		errs = append(errs, configKeys(data, dataPath)...)
		errs = append(errs, configKeys(binary, field.NewPath("binaryData"))...)
		for _, k := range sortedKeys(data) {
			if _, dup := binary[k]; dup {
				errs = append(errs, field.Invalid(dataPath.Key(k), k, "duplicate of key present in binaryData"))
			}
		}
		return fieldFindings(obj, RuleData, errs)
	}
	stringData, _ := obj.Content["stringData"].(map[string]any)
	errs = append(errs, configKeys(data, dataPath)...)
	errs = append(errs, configKeys(stringData, dataPath)...)
	values := map[string][]byte{}
	encrypted := map[string]bool{}
	for _, k := range sortedKeys(data) {
		s, ok := data[k].(string)
		if !ok {
			continue // null or not a string: the schema's
		}
		if sopsEncrypted(s) {
			values[k], encrypted[k] = nil, true
			continue
		}
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			errs = append(errs, field.Invalid(dataPath.Key(k), redacted, err.Error()))
			continue
		}
		values[k] = b
	}
	for k, v := range stringData {
		if s, ok := v.(string); ok {
			values[k], encrypted[k] = []byte(s), sopsEncrypted(s)
		}
	}
	errs = append(errs, secretType(obj, values, encrypted, dataPath)...)
	return fieldFindings(obj, RuleData, errs)
}

// configKeys reports keys that are not valid config keys.
func configKeys(m map[string]any, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for _, k := range sortedKeys(m) {
		for _, msg := range validation.IsConfigMapKey(k) {
			errs = append(errs, field.Invalid(p.Key(k), k, msg))
		}
	}
	return errs
}

// sopsEncrypted reports a value SOPS encrypted.
func sopsEncrypted(s string) bool {
	return strings.HasPrefix(s, "ENC[") && strings.HasSuffix(s, "]")
}

// secretType checks the keys a Secret's type requires; encrypted values
// are present but cannot be checked.
func secretType(obj *manifest.Object, values map[string][]byte, encrypted map[string]bool, p *field.Path) field.ErrorList {
	typ, _ := obj.Content["type"].(string)
	var errs field.ErrorList
	jsonKey := func(key string) {
		v, ok := values[key]
		if !ok {
			errs = append(errs, field.Required(p.Key(key), ""))
			return
		}
		if encrypted[key] {
			return
		}
		if err := json.Unmarshal(v, &map[string]any{}); err != nil {
			errs = append(errs, field.Invalid(p.Key(key), redacted, jsonProblem(err)))
		}
	}
	switch typ {
	case "kubernetes.io/service-account-token":
		if annotations, _ := mapAt(obj.Content, "metadata", "annotations"); stringOf(annotations["kubernetes.io/service-account.name"]) == "" {
			errs = append(errs, field.Required(field.NewPath("metadata", "annotations").Key("kubernetes.io/service-account.name"), ""))
		}
	case "kubernetes.io/dockercfg":
		jsonKey(".dockercfg")
	case "kubernetes.io/dockerconfigjson":
		jsonKey(".dockerconfigjson")
	case "kubernetes.io/basic-auth":
		_, user := values["username"]
		_, password := values["password"]
		if !user && !password {
			errs = append(errs, field.Required(p.Key("username"), ""), field.Required(p.Key("password"), ""))
		}
	case "kubernetes.io/ssh-auth":
		if len(values["ssh-privatekey"]) == 0 && !encrypted["ssh-privatekey"] {
			errs = append(errs, field.Required(p.Key("ssh-privatekey"), ""))
		}
	case "kubernetes.io/tls":
		for _, k := range []string{"tls.crt", "tls.key"} {
			if _, ok := values[k]; !ok {
				errs = append(errs, field.Required(p.Key(k), ""))
			}
		}
	}
	return errs
}

// jsonProblem says why a Secret's value is not a JSON object without
// quoting it: encoding/json's syntax errors quote the offending character.
func jsonProblem(err error) string {
	var syntax *json.SyntaxError
	if errors.As(err, &syntax) {
		return fmt.Sprintf("not valid JSON (at byte %d)", syntax.Offset)
	}
	return "not a JSON object"
}
