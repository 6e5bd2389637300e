# A static, non-root, distroless image of syncgate: make image.
FROM golang:1.26.8 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o /out/syncgate ./cmd/syncgate

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/syncgate /syncgate
USER 65532:65532
ENTRYPOINT ["/syncgate"]
