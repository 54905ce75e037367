// s3server: an S3-compatible server on 127.0.0.1 for aicr's storage tests (test tool, not product code).
// It serves gofakes3 with an in-memory backend. Usage: s3server -addr 127.0.0.1:0 [-bucket name]...
// It prints "listening on http://ADDR" on stdout once the socket is open.
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
	log.Fatal(http.Serve(ln, faker.Server()))
}
