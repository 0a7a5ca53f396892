// Command tlogcheck checks the ledger's transparency log with Go's own implementation of
// tiled logs and signed notes (golang.org/x/mod/sumdb/tlog and sumdb/note), code that the
// ledger's authors did not write. Built in GOPATH mode against Debian's
// golang-golang-x-mod-dev, so it needs no network.
//
//	tlogcheck tiles <base_url> <tree_size> <root_base64>
//	tlogcheck note <vkey> <file>
//
// It exits non-zero, saying why, when a check fails.
package main

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

const height = 8 // c2sp.org/tlog-tiles: tiles of 256 hashes

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "tiles":
		if len(os.Args) != 5 {
			usage()
		}
		err = checkTiles(os.Args[2], os.Args[3], os.Args[4])
	case "note":
		if len(os.Args) != 4 {
			usage()
		}
		err = openNote(os.Args[2], os.Args[3])
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "tlogcheck %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: tlogcheck tiles <base_url> <tree_size> <root_base64>\n"+
		"       tlogcheck note <vkey> <file>")
	os.Exit(2)
}

// httpTiles reads tiles from the ledger over HTTP. x/mod names them tile/<H>/<L>/<N> and
// tile/<H>/data/<N>; tlog-tiles has no height element and calls data "entries".
type httpTiles struct {
	base   string
	client *http.Client
	gzip   bool // an entry bundle came compressed
}

func (r *httpTiles) Height() int { return height }

func (r *httpTiles) url(t tlog.Tile) string {
	path := strings.TrimPrefix(t.Path(), fmt.Sprintf("tile/%d/", height))
	if strings.HasPrefix(path, "data/") {
		path = "entries/" + strings.TrimPrefix(path, "data/")
	}
	return r.base + "/log/tile/" + path
}

func (r *httpTiles) fetch(t tlog.Tile) ([]byte, error) {
	url := r.url(t)
	resp, err := r.client.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s: %s", url, resp.Status, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/octet-stream" {
		return nil, fmt.Errorf("GET %s: Content-Type %q", url, ct)
	}
	if resp.Uncompressed { // Go asked for gzip and decompressed the answer itself
		r.gzip = true
	}
	return body, nil
}

func (r *httpTiles) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	data := make([][]byte, len(tiles))
	for i, t := range tiles {
		body, err := r.fetch(t)
		if err != nil {
			return nil, err
		}
		data[i] = body
	}
	return data, nil
}

func (r *httpTiles) SaveTiles(tiles []tlog.Tile, data [][]byte) {}

func checkTiles(base, size, root string) error {
	n, err := strconv.ParseInt(size, 10, 64)
	if err != nil || n < 1 {
		return fmt.Errorf("tree size %q is not a positive integer", size)
	}
	raw, err := base64.StdEncoding.DecodeString(root)
	if err != nil || len(raw) != tlog.HashSize {
		return fmt.Errorf("root %q is not the base64 of %d bytes", root, tlog.HashSize)
	}
	var rootHash tlog.Hash
	copy(rootHash[:], raw)
	tiles := &httpTiles{base: strings.TrimSuffix(base, "/"), client: &http.Client{Timeout: 30 * time.Second}}
	reader := tlog.TileHashReader(tlog.Tree{N: n, Hash: rootHash}, tiles)

	computed, err := tlog.TreeHash(n, reader)
	if err != nil {
		return fmt.Errorf("tree hash of %d leaves: %v", n, err)
	}
	if computed != rootHash {
		return fmt.Errorf("the tiles hash to %v, the checkpoint says %v", computed, rootHash)
	}

	proved := 0
	for _, index := range distinct(0, n/2, n-1, 255, 256, n-257) {
		if index < 0 || index >= n {
			continue
		}
		proof, err := tlog.ProveRecord(n, index, reader)
		if err != nil {
			return fmt.Errorf("inclusion proof of leaf %d: %v", index, err)
		}
		leaf, err := reader.ReadHashes([]int64{tlog.StoredHashIndex(0, index)})
		if err != nil {
			return fmt.Errorf("leaf %d: %v", index, err)
		}
		if err := tlog.CheckRecord(proof, n, rootHash, index, leaf[0]); err != nil {
			return fmt.Errorf("inclusion proof of leaf %d: %v", index, err)
		}
		proved++
	}

	entries := int64(0)
	for start := int64(0); start < n; start += 1 << height {
		width := n - start
		if width > 1<<height {
			width = 1 << height
		}
		bundle, err := tiles.fetch(tlog.Tile{H: height, L: -1, N: start >> height, W: int(width)})
		if err != nil {
			return err
		}
		for i := int64(0); i < width; i++ {
			if len(bundle) < 2 {
				return fmt.Errorf("bundle at %d ends before its entry %d", start, i)
			}
			length := int(binary.BigEndian.Uint16(bundle))
			if len(bundle) < 2+length {
				return fmt.Errorf("bundle at %d: entry %d is cut short", start, i)
			}
			entry := bundle[2 : 2+length]
			bundle = bundle[2+length:]
			leaf, err := reader.ReadHashes([]int64{tlog.StoredHashIndex(0, start+i)})
			if err != nil {
				return fmt.Errorf("leaf %d: %v", start+i, err)
			}
			if tlog.RecordHash(entry) != leaf[0] {
				return fmt.Errorf("entry %d does not hash to its level-0 tile hash", start+i)
			}
			entries++
		}
		if len(bundle) != 0 {
			return fmt.Errorf("bundle at %d has %d bytes after its %d entries", start, len(bundle), width)
		}
	}
	fmt.Printf("tree %d %v: tree hash, %d inclusion proofs and %d entries verified (gzip %v)\n",
		n, rootHash, proved, entries, tiles.gzip)
	return nil
}

func distinct(indexes ...int64) []int64 {
	seen := map[int64]bool{}
	var out []int64
	for _, index := range indexes {
		if !seen[index] {
			seen[index] = true
			out = append(out, index)
		}
	}
	return out
}

func openNote(vkey, file string) error {
	verifier, err := note.NewVerifier(vkey)
	if err != nil {
		return fmt.Errorf("verifier key: %v", err)
	}
	msg, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	opened, err := note.Open(msg, note.VerifierList(verifier))
	if err != nil {
		return err
	}
	fmt.Print(opened.Text)
	return nil
}
