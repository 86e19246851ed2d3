package web_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/qrsign/qrsign/relay/web"
)

// Mounting the pages next to the relay's API on one mux (the relay does the
// same on its router: every path in web.Routes goes to the handler).
func ExampleHandler() {
	api := http.NotFoundHandler() // the relay's /v1/ API in real life
	pages := web.Handler(web.Config{PublicURL: "https://sign.example.com", Channel: "qrsign", MSPID: "Org1MSP"})
	mux := http.NewServeMux()
	mux.Handle("/v1/", api)
	for _, route := range web.Routes {
		mux.Handle(route, pages)
	}
	for _, path := range []string{"/", "/app", "/app/", "/verify?doc=contract-7", "/s/not-a-token"} {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		if loc := rec.Header().Get("Location"); loc != "" {
			fmt.Println(path, rec.Code, "->", loc)
			continue
		}
		fmt.Println(path, rec.Code, rec.Header().Get("Cache-Control"))
	}
	// Output:
	// / 302 -> /app/
	// /app 301 -> /app/
	// /app/ 200 no-cache
	// /verify?doc=contract-7 200 no-cache
	// /s/not-a-token 404 no-cache
}
