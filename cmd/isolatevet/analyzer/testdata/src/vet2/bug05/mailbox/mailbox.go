// Package mailbox is a small bounded mailbox.
package mailbox

type Mailbox struct {
	ch chan []byte
}

func New(n int) *Mailbox { return &Mailbox{ch: make(chan []byte, n)} }

// Post queues a message; it waits while the mailbox is full.
func (b *Mailbox) Post(msg []byte) { // want Post:"mayBlock"
	b.ch <- msg
}

// TryPost queues a message unless the mailbox is full.
func (b *Mailbox) TryPost(msg []byte) bool {
	select {
	case b.ch <- msg:
		return true
	default:
		return false
	}
}

func (b *Mailbox) Receive() ([]byte, bool) { // want Receive:"mayBlock"
	msg, ok := <-b.ch
	return msg, ok
}

func (b *Mailbox) Close() { close(b.ch) }
