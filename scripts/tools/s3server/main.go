// s3server: an S3-compatible server on 127.0.0.1 for aicr's storage tests (test tool, not product code).
// It serves gofakes3 with an in-memory backend. Usage: s3server -addr 127.0.0.1:0 [-bucket name]...
// It prints "listening on http://ADDR" on stdout once the socket is open.
// gofakes3 checks no signatures; -deny-access-key KEY answers every request signed with access key KEY
// with 403 AccessDenied, so that tests can see how a client handles a refusal; -deny-put SUBSTR does the
// same for PUT requests whose path contains SUBSTR (a failure in the middle of an upload); -log prints
// one line per request on stdout ("METHOD /bucket/key?query STATUS"), in the order they are answered.
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	buckets := flag.String("bucket", "", "comma-separated buckets to create at start")
	deny := flag.String("deny-access-key", "", "answer requests signed with this access key with 403 AccessDenied")
	denyPut := flag.String("deny-put", "", "answer PUT requests whose path contains this with 403 AccessDenied")
	logRequests := flag.Bool("log", false, "print one line per request on stdout")
	flag.Parse()
	backend := s3mem.New()
	for _, b := range strings.Split(*buckets, ",") {
		if b != "" {
			if err := backend.CreateBucket(b); err != nil {
				log.Fatalf("create bucket %s: %v", b, err)
			}
		}
	}
	faker := gofakes3.New(backend)
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Fprintf(os.Stdout, "listening on http://%s\n", ln.Addr().String())
	inner := faker.Server()
	var mu sync.Mutex
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		auth := r.Header.Get("Authorization") + " " + r.URL.Query().Get("X-Amz-Credential")
		denied := *deny != "" && (strings.Contains(auth, "Credential="+*deny+"/") || strings.Contains(auth, " "+*deny+"/"))
		denied = denied || (*denyPut != "" && r.Method == http.MethodPut && strings.Contains(r.URL.Path, *denyPut))
		if denied {
			rec.Header().Set("Content-Type", "application/xml")
			rec.WriteHeader(http.StatusForbidden)
			fmt.Fprint(rec, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>`)
		} else {
			inner.ServeHTTP(rec, r)
		}
		if *logRequests {
			mu.Lock()
			fmt.Fprintf(os.Stdout, "%s %s %d\n", r.Method, r.URL.RequestURI(), rec.status)
			mu.Unlock()
		}
	})
	log.Fatal(http.Serve(ln, handler))
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}
