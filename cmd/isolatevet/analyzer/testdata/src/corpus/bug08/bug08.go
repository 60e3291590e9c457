// A member calls a helper that fetches over HTTP.
package bug08

import (
	"io"
	"net/http"

	"github.com/isolatekit/isolate"
)

func fetch(url string) ([]byte, error) {
	resp, err := http.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return io.ReadAll(resp.Body)
}

func refresh(m isolate.Member, cache map[string][]byte, url string) {
	b, err := fetch(url)
	if err == nil {
		cache[url] = b
	}
}
