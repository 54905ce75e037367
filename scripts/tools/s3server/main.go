// s3server: an S3-compatible server on 127.0.0.1 for aicr's storage tests (test tool, not product code).
// It serves gofakes3 with an in-memory backend. Usage: s3server -addr 127.0.0.1:0 [-bucket name]...
// It prints "listening on http://ADDR" on stdout once the socket is open.
// gofakes3 checks no signatures; -deny-access-key KEY answers every request signed with access key KEY
// with 403 AccessDenied, so that tests can see how a client handles a refusal.
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"strings"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	buckets := flag.String("bucket", "", "comma-separated buckets to create at start")
	deny := flag.String("deny-access-key", "", "answer requests signed with this access key with 403 AccessDenied")
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
	handler := faker.Server()
	if *deny != "" {
		inner := handler
		handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			auth := r.Header.Get("Authorization") + " " + r.URL.Query().Get("X-Amz-Credential")
			if strings.Contains(auth, "Credential="+*deny+"/") || strings.Contains(auth, " "+*deny+"/") {
				w.Header().Set("Content-Type", "application/xml")
				w.WriteHeader(http.StatusForbidden)
				fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>`)
				return
			}
			inner.ServeHTTP(w, r)
		})
	}
	log.Fatal(http.Serve(ln, handler))
}
