package validate

//go:generate go run ./internal/schemagen -out internal/builtin/data
//go:generate go run ./internal/catalogen -dir internal/catalog
