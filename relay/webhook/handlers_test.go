package webhook

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/relay/fault"
	"github.com/qrsign/qrsign/relay/problem"
)

// echoFor mounts the routes the way the relay does: an auth middleware sets
// the key name, errors render as problems.
func echoFor(s *Service) *echo.Echo {
	e := echo.New()
	e.HTTPErrorHandler = func(err error, c echo.Context) {
		p := problem.Of(fault.From(err), "")
		c.JSON(p.Status, p)
	}
	auth := func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			k := c.Request().Header.Get("X-API-Key")
			if k == "" {
				return fault.New(fault.CodeUnauthorized, "no key")
			}
			c.Set("key", k)
			return next(c)
		}
	}
	Register(e, s, func(c echo.Context) string { return c.Get("key").(string) }, auth)
	return e
}

func call(t *testing.T, e *echo.Echo, key, method, path, body string) (int, map[string]any) {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("X-API-Key", key)
	}
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	var v map[string]any
	if rec.Body.Len() > 0 {
		if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
			t.Fatalf("%s %s: %q", method, path, rec.Body)
		}
	}
	return rec.Code, v
}

func TestRoutesCreateListReadDeadLettersAndDeletePerAPIKey(t *testing.T) {
	c := newClock()
	st := openStore(t, t.TempDir(), c.Now)
	defer st.Close()
	cfg := testConfig(st, c)
	cfg.MaxAttempts = 1
	s := newService(t, cfg)
	e := echoFor(s)
	r := newReceiver(t, c.Now, 500)

	code, v := call(t, e, "app", "POST", "/v1/webhooks", `{"url":"`+r.URL+`/h","events":["document.voided"]}`)
	id, _ := v["id"].(string)
	secret, _ := v["secret"].(string)
	if code != 201 || !strings.HasPrefix(id, "wh_") || !strings.HasPrefix(secret, "whsec_") || len(secret) != 6+64 {
		t.Fatalf("%d %v", code, v)
	}
	code, v = call(t, e, "app", "GET", "/v1/webhooks", "")
	list := v["webhooks"].([]any)
	if code != 200 || len(list) != 1 || list[0].(map[string]any)["secret"] != nil || list[0].(map[string]any)["url"] != r.URL+"/h" {
		t.Fatalf("list %d %v", code, v)
	}
	if code, v = call(t, e, "other", "GET", "/v1/webhooks", ""); code != 200 || len(v["webhooks"].([]any)) != 0 {
		t.Fatalf("other key sees %v", v)
	}

	s.Enqueue([]model.Event{{Type: model.EventDocumentVoided, DocumentID: "d", TxID: "t", Timestamp: c.Now()}}, nil)
	s.DeliverDue(bg) // one attempt allowed: dead
	code, v = call(t, e, "app", "GET", "/v1/webhooks/"+id+"/deliveries?state=dead", "")
	dead := v["deliveries"].([]any)
	if code != 200 || len(dead) != 1 {
		t.Fatalf("dead %d %v", code, v)
	}
	did := dead[0].(map[string]any)["id"].(string)
	code, v = call(t, e, "app", "POST", "/v1/webhooks/"+id+"/deliveries/"+did+"/replay", "")
	if code != 202 || v["state"] != "pending" {
		t.Fatalf("replay %d %v", code, v)
	}

	for _, tc := range []struct {
		key, method, path, body string
		status                  int
		code                    string
	}{
		{"", "GET", "/v1/webhooks", "", 401, "UNAUTHORIZED"},
		{"other", "DELETE", "/v1/webhooks/" + id, "", 404, "WEBHOOK_NOT_FOUND"},
		{"other", "GET", "/v1/webhooks/" + id + "/deliveries", "", 404, "WEBHOOK_NOT_FOUND"},
		{"app", "GET", "/v1/webhooks/" + id + "/deliveries?state=lost", "", 400, "WEBHOOK_STATE_INVALID"},
		{"app", "POST", "/v1/webhooks", `{"url":"ftp://x"}`, 400, "WEBHOOK_URL_INVALID"},
		{"app", "POST", "/v1/webhooks", `{"url":"http://127.0.0.1/","evnts":[]}`, 400, "BAD_REQUEST"},
		{"app", "POST", "/v1/webhooks", `{"url":"http://127.0.0.1/"} {}`, 400, "BAD_REQUEST"},
		{"app", "POST", "/v1/webhooks", `not json`, 400, "BAD_REQUEST"},
		{"app", "POST", "/v1/webhooks/" + id + "/deliveries/" + did + "/replay", "", 409, "WEBHOOK_NOT_DEAD"},
	} {
		code, v := call(t, e, tc.key, tc.method, tc.path, tc.body)
		if code != tc.status || v["code"] != tc.code || v["status"] != float64(tc.status) {
			t.Errorf("%s %s %s: %d %v, want %d %s", tc.key, tc.method, tc.path, code, v, tc.status, tc.code)
		}
	}

	if code, _ = call(t, e, "app", "DELETE", "/v1/webhooks/"+id, ""); code != 204 {
		t.Fatalf("delete %d", code)
	}
	if ds, _ := st.Deliveries("", ""); len(ds) != 0 {
		t.Fatalf("deliveries outlive their subscription: %v", ds)
	}
	if code, _ = call(t, e, "app", "DELETE", "/v1/webhooks/"+id, ""); code != 404 {
		t.Fatalf("second delete %d", code)
	}
}

func TestProblemsKeepTheirStatusThroughProblemOf(t *testing.T) {
	err := fault.New(CodeNotFound, "x")
	var e *fault.Error
	if !errors.As(error(err), &e) {
		t.Fatalf("%+v", err)
	}
	if p := problem.Of(fault.From(err), ""); p.Status != http.StatusNotFound || p.Title != "Not Found" {
		t.Fatalf("%+v", p)
	}
}
