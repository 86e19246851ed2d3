package httpapi

import (
	"testing"

	"github.com/labstack/echo/v4"
)

func TestAPanickingHandlerIsA500ProblemNotACrash(t *testing.T) {
	h := newHarness(t)
	h.srv.echo.GET("/boom", func(c echo.Context) error { panic("boom") })
	p := wantProblem(t, h.do("GET", "/boom", nil), 500, "INTERNAL")
	if p.Detail != "internal error" {
		t.Fatalf("%+v", p)
	}
}
