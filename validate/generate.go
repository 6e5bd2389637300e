package validate

//go:generate go run ./internal/schemagen -out internal/builtin/data
