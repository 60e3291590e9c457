// Package ok19 is a message consumer for a callback framework: handlers do
// their I/O first with the member idle, then run busy to touch shared
// state.
package ok19

import (
	"encoding/json"
	"fmt"
	"net"

	"github.com/isolatekit/isolate"
)

type Order struct {
	ID    string `json:"id"`
	Qty   int    `json:"qty"`
	Price int    `json:"price"`
}

type Consumer struct {
	iso   *isolate.Isolator
	m     isolate.Member
	book  map[string]Order
	audit net.Conn
}

func NewConsumer(iso *isolate.Isolator, audit net.Conn) *Consumer {
	return &Consumer{iso: iso, m: iso.JoinIdleNamed("consumer"), book: map[string]Order{}, audit: audit}
}

func (c *Consumer) OnOrder(raw []byte) error {
	var o Order
	if err := json.Unmarshal(raw, &o); err != nil {
		return fmt.Errorf("order: %w", err)
	}
	if _, err := c.audit.Write(raw); err != nil { // idle: the member joined idle
		return err
	}
	sc := c.m.Busy()
	prev, had := c.book[o.ID]
	c.book[o.ID] = o
	sc.End()
	if had && prev.Price != o.Price {
		if _, err := fmt.Fprintf(c.audit, "reprice %s\n", o.ID); err != nil {
			return err
		}
	}
	return nil
}

func (c *Consumer) OnCancel(id string) {
	defer c.m.Busy().End()
	release := c.m.Isolate()
	delete(c.book, id)
	release()
}

func (c *Consumer) Close() error {
	c.m.Leave()
	return c.audit.Close()
}
