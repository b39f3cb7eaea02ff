// Command peer is a small libp2p peer for the project's interop tests, built on the Go
// implementations that go-libp2p itself builds on: hashicorp/yamux (the implementation the Yamux
// spec was written from) and flynn/noise (the Noise Protocol Framework library behind go-libp2p's
// Noise transport). The libp2p parts on top of them (multistream-select, the Noise handshake
// payload with its Ed25519 identity, peer IDs, ping, echo, identify) are written here, from the
// specs.
//
//	peer serve [-window N]
//	    listens on 127.0.0.1, prints {"event":"listening","addr":...}, then one JSON line per
//	    connection, stream and close; exits when stdin ends.
//	peer dial -addr /ip4/.../tcp/.../p2p/... [-pings N] [-echo BYTES] [-streams K]
//	    [-stream-bytes M] [-identify] [-window N]
//	    dials, runs the requested exchanges, prints one JSON result line, waits for a line (or
//	    the end) on stdin, then closes the Yamux session (GoAway) and the connection.
package main

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/big"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/flynn/noise"
	"github.com/hashicorp/yamux"
)

const (
	protoMultistream = "/multistream/1.0.0"
	protoNoise       = "/noise"
	protoYamux       = "/yamux/1.0.0"
	protoPing        = "/ipfs/ping/1.0.0"
	protoEcho        = "/echo/1.0.0"
	protoIdentify    = "/ipfs/id/1.0.0"
	protoPerf        = "/perf/1.0.0"
	// protoBulk moves sized transfers without half-closing: this Yamux version cannot read a
	// stream after closing its own side, which the perf protocol's client needs. Go to Go only.
	protoBulk        = "/vertxp2p-interop/bulk/1.0.0"
	agentVersion     = "vertxp2p-interop-go/1"
	noiseSigPrefix   = "noise-libp2p-static-key:"
	maxNoiseFrame    = 65535
	aeadTagLen       = 16
	maxMsLine        = 1024
	maxIdentifyBytes = 64 * 1024
)

// ---- output -----------------------------------------------------------------------------

var outMu sync.Mutex

func emit(v map[string]interface{}) {
	b, err := json.Marshal(v)
	if err != nil {
		b = []byte(`{"event":"error","error":"cannot encode output"}`)
	}
	outMu.Lock()
	defer outMu.Unlock()
	os.Stdout.Write(append(b, '\n'))
}

func emitError(where string, err error) {
	emit(map[string]interface{}{"event": "error", "where": where, "error": err.Error()})
}

// ---- identity and peer IDs ---------------------------------------------------------------

type identity struct {
	priv      ed25519.PrivateKey
	pubProto  []byte // libp2p PublicKey protobuf: KeyType Ed25519 (1), Data = 32 bytes
	peerID    string
	noiseKeys noise.DHKey
}

func newIdentity() (*identity, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	dh, err := noise.DH25519.GenerateKeypair(rand.Reader)
	if err != nil {
		return nil, err
	}
	pp := publicKeyProto(pub)
	return &identity{priv: priv, pubProto: pp, peerID: peerIDFromKeyProto(pp), noiseKeys: dh}, nil
}

func publicKeyProto(pub ed25519.PublicKey) []byte {
	b := []byte{0x08, 0x01, 0x12, byte(len(pub))}
	return append(b, pub...)
}

// peerIDFromKeyProto: keys of at most 42 bytes are inlined with the identity multihash.
func peerIDFromKeyProto(keyProto []byte) string {
	mh := []byte{0x00, byte(len(keyProto))}
	return base58Encode(append(mh, keyProto...))
}

const base58Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

func base58Encode(b []byte) string {
	n := new(big.Int).SetBytes(b)
	radix := big.NewInt(58)
	mod := new(big.Int)
	var out []byte
	for n.Sign() > 0 {
		n.DivMod(n, radix, mod)
		out = append(out, base58Alphabet[mod.Int64()])
	}
	for _, c := range b {
		if c != 0 {
			break
		}
		out = append(out, '1')
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return string(out)
}

// ---- protobuf (only what the Noise payload and identify need) -----------------------------

type pbField struct {
	num    int
	varint uint64
	bytes  []byte
	isLen  bool
}

func pbParse(b []byte) ([]pbField, error) {
	var fields []pbField
	for len(b) > 0 {
		key, n := binary.Uvarint(b)
		if n <= 0 {
			return nil, errors.New("protobuf: bad field key")
		}
		b = b[n:]
		f := pbField{num: int(key >> 3)}
		switch key & 7 {
		case 0:
			v, m := binary.Uvarint(b)
			if m <= 0 {
				return nil, errors.New("protobuf: bad varint")
			}
			f.varint, b = v, b[m:]
		case 2:
			l, m := binary.Uvarint(b)
			if m <= 0 || l > uint64(len(b)-m) {
				return nil, errors.New("protobuf: bad length")
			}
			f.bytes, f.isLen, b = b[m:m+int(l)], true, b[m+int(l):]
		default:
			return nil, fmt.Errorf("protobuf: unsupported wire type %d", key&7)
		}
		fields = append(fields, f)
	}
	return fields, nil
}

func pbBytes(out []byte, num int, v []byte) []byte {
	out = binary.AppendUvarint(out, uint64(num)<<3|2)
	out = binary.AppendUvarint(out, uint64(len(v)))
	return append(out, v...)
}

// ---- multistream-select ------------------------------------------------------------------

func msWrite(w io.Writer, msgs ...string) error {
	var b []byte
	for _, m := range msgs {
		b = binary.AppendUvarint(b, uint64(len(m)+1))
		b = append(append(b, m...), '\n')
	}
	_, err := w.Write(b)
	return err
}

func msRead(r *bufio.Reader) (string, error) {
	l, err := binary.ReadUvarint(r)
	if err != nil {
		return "", err
	}
	if l == 0 || l > maxMsLine {
		return "", fmt.Errorf("multistream: message length %d out of range", l)
	}
	b := make([]byte, l)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", err
	}
	if b[l-1] != '\n' {
		return "", errors.New("multistream: message does not end in a newline")
	}
	return string(b[:l-1]), nil
}

// msSelect proposes one protocol as the initiator (header and proposal in one write).
func msSelect(r *bufio.Reader, w io.Writer, proto string) error {
	if err := msWrite(w, protoMultistream, proto); err != nil {
		return err
	}
	h, err := msRead(r)
	if err != nil {
		return err
	}
	if h != protoMultistream {
		return fmt.Errorf("multistream: unexpected header %q", h)
	}
	got, err := msRead(r)
	if err != nil {
		return err
	}
	if got != proto {
		return fmt.Errorf("multistream: %s refused (answer %q)", proto, got)
	}
	return nil
}

// msHandle answers as the responder: the first supported proposal wins, others get "na".
func msHandle(r *bufio.Reader, w io.Writer, supported ...string) (string, error) {
	if err := msWrite(w, protoMultistream); err != nil {
		return "", err
	}
	h, err := msRead(r)
	if err != nil {
		return "", err
	}
	if h != protoMultistream {
		return "", fmt.Errorf("multistream: unexpected header %q", h)
	}
	for i := 0; i < 16; i++ {
		p, err := msRead(r)
		if err != nil {
			return "", err
		}
		for _, s := range supported {
			if p == s {
				return p, msWrite(w, p)
			}
		}
		if err := msWrite(w, "na"); err != nil {
			return "", err
		}
	}
	return "", errors.New("multistream: too many refused proposals")
}

// ---- Noise XX with the libp2p handshake payload ------------------------------------------

type secureConn struct {
	raw       net.Conn
	r         *bufio.Reader
	send      *noise.CipherState
	recv      *noise.CipherState
	wmu       sync.Mutex
	wbuf      []byte
	rbuf      []byte
	plain     []byte
	pending   []byte
	remote    string // the remote's peer ID
	remoteKey []byte // the remote's identity key, as its Noise payload carried it
	tap       *finTap
}

func readFrame(r io.Reader) ([]byte, error) {
	var l [2]byte
	if _, err := io.ReadFull(r, l[:]); err != nil {
		return nil, err
	}
	b := make([]byte, binary.BigEndian.Uint16(l[:]))
	if _, err := io.ReadFull(r, b); err != nil {
		return nil, err
	}
	return b, nil
}

func writeFrame(w io.Writer, b []byte) error {
	if len(b) > maxNoiseFrame {
		return errors.New("noise: frame too long")
	}
	out := make([]byte, 2, 2+len(b))
	binary.BigEndian.PutUint16(out, uint16(len(b)))
	_, err := w.Write(append(out, b...))
	return err
}

func (id *identity) payload() []byte {
	sig := ed25519.Sign(id.priv, append([]byte(noiseSigPrefix), id.noiseKeys.Public...))
	return pbBytes(pbBytes(nil, 1, id.pubProto), 2, sig)
}

// verifyPayload checks the remote's identity key signs its Noise static key; returns its peer ID.
func verifyPayload(payload, remoteStatic []byte) (string, []byte, error) {
	fields, err := pbParse(payload)
	if err != nil {
		return "", nil, fmt.Errorf("noise payload: %w", err)
	}
	var keyProto, sig []byte
	for _, f := range fields {
		switch {
		case f.num == 1 && f.isLen:
			keyProto = f.bytes
		case f.num == 2 && f.isLen:
			sig = f.bytes
		}
	}
	if keyProto == nil || sig == nil {
		return "", nil, errors.New("noise payload: identity key or signature missing")
	}
	kf, err := pbParse(keyProto)
	if err != nil {
		return "", nil, fmt.Errorf("identity key: %w", err)
	}
	var keyType uint64 = 99
	var keyData []byte
	for _, f := range kf {
		if f.num == 1 && !f.isLen {
			keyType = f.varint
		} else if f.num == 2 && f.isLen {
			keyData = f.bytes
		}
	}
	if keyType != 1 || len(keyData) != ed25519.PublicKeySize {
		return "", nil, fmt.Errorf("identity key: not an Ed25519 key (type %d, %d bytes)", keyType, len(keyData))
	}
	msg := append([]byte(noiseSigPrefix), remoteStatic...)
	if !ed25519.Verify(ed25519.PublicKey(keyData), msg, sig) {
		return "", nil, errors.New("noise payload: identity signature does not verify")
	}
	return peerIDFromKeyProto(keyProto), keyProto, nil
}

func noiseHandshake(raw net.Conn, r *bufio.Reader, id *identity, initiator bool) (*secureConn, error) {
	hs, err := noise.NewHandshakeState(noise.Config{
		CipherSuite:   noise.NewCipherSuite(noise.DH25519, noise.CipherChaChaPoly, noise.HashSHA256),
		Pattern:       noise.HandshakeXX,
		Initiator:     initiator,
		StaticKeypair: id.noiseKeys,
	})
	if err != nil {
		return nil, err
	}
	sc := &secureConn{raw: raw, r: r, wbuf: make([]byte, 0, 2+maxNoiseFrame),
		plain: make([]byte, 0, maxNoiseFrame)}
	var remotePayload []byte
	if initiator {
		m1, _, _, err := hs.WriteMessage(nil, nil)
		if err != nil {
			return nil, err
		}
		if err := writeFrame(raw, m1); err != nil {
			return nil, err
		}
		m2, err := readFrame(r)
		if err != nil {
			return nil, err
		}
		if remotePayload, _, _, err = hs.ReadMessage(nil, m2); err != nil {
			return nil, fmt.Errorf("noise message 2: %w", err)
		}
		m3, c1, c2, err := hs.WriteMessage(nil, id.payload())
		if err != nil {
			return nil, err
		}
		if err := writeFrame(raw, m3); err != nil {
			return nil, err
		}
		sc.send, sc.recv = c1, c2
	} else {
		m1, err := readFrame(r)
		if err != nil {
			return nil, err
		}
		if _, _, _, err = hs.ReadMessage(nil, m1); err != nil {
			return nil, fmt.Errorf("noise message 1: %w", err)
		}
		m2, _, _, err := hs.WriteMessage(nil, id.payload())
		if err != nil {
			return nil, err
		}
		if err := writeFrame(raw, m2); err != nil {
			return nil, err
		}
		m3, err := readFrame(r)
		if err != nil {
			return nil, err
		}
		var c1, c2 *noise.CipherState
		if remotePayload, c1, c2, err = hs.ReadMessage(nil, m3); err != nil {
			return nil, fmt.Errorf("noise message 3: %w", err)
		}
		sc.recv, sc.send = c1, c2
	}
	remote, key, err := verifyPayload(remotePayload, hs.PeerStatic())
	if err != nil {
		return nil, err
	}
	sc.remote, sc.remoteKey = remote, key
	return sc, nil
}

func (c *secureConn) Read(p []byte) (int, error) {
	if len(c.pending) == 0 {
		var l [2]byte
		if _, err := io.ReadFull(c.r, l[:]); err != nil {
			return 0, err
		}
		n := int(binary.BigEndian.Uint16(l[:]))
		if cap(c.rbuf) < n {
			c.rbuf = make([]byte, maxNoiseFrame)
		}
		ct := c.rbuf[:n]
		if _, err := io.ReadFull(c.r, ct); err != nil {
			return 0, err
		}
		pt, err := c.recv.Decrypt(c.plain[:0], nil, ct)
		if err != nil {
			return 0, fmt.Errorf("noise: decrypt: %w", err)
		}
		c.pending = pt
	}
	n := copy(p, c.pending)
	c.pending = c.pending[n:]
	return n, nil
}

func (c *secureConn) Write(p []byte) (int, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	written := 0
	for len(p) > 0 {
		chunk := len(p)
		if chunk > maxNoiseFrame-aeadTagLen {
			chunk = maxNoiseFrame - aeadTagLen
		}
		frame, err := c.send.Encrypt(c.wbuf[:2], nil, p[:chunk])
		if err != nil {
			return written, err
		}
		binary.BigEndian.PutUint16(frame, uint16(len(frame)-2))
		if _, err := c.raw.Write(frame); err != nil {
			return written, err
		}
		written += chunk
		p = p[chunk:]
	}
	return written, nil
}

func (c *secureConn) Close() error { return c.raw.Close() }

// ---- connection upgrade ------------------------------------------------------------------

func yamuxConfig(window uint32) *yamux.Config {
	cfg := yamux.DefaultConfig()
	cfg.LogOutput = os.Stderr
	if window > 0 {
		cfg.MaxStreamWindowSize = window
	}
	return cfg
}

func upgrade(raw net.Conn, id *identity, initiator bool, window uint32) (*yamux.Session, *secureConn, error) {
	r := bufio.NewReader(raw)
	if initiator {
		if err := msSelect(r, raw, protoNoise); err != nil {
			return nil, nil, err
		}
	} else if _, err := msHandle(r, raw, protoNoise); err != nil {
		return nil, nil, err
	}
	sc, err := noiseHandshake(raw, r, id, initiator)
	if err != nil {
		return nil, nil, err
	}
	sr := bufio.NewReader(sc)
	if initiator {
		err = msSelect(sr, sc, protoYamux)
	} else {
		_, err = msHandle(sr, sc, protoYamux)
	}
	if err != nil {
		return nil, nil, err
	}
	// Everything after the muxer negotiation belongs to Yamux, including bytes sr already holds.
	sc.tap = newFinTap(sr)
	muxed := &readerConn{Reader: sc.tap, secureConn: sc}
	var s *yamux.Session
	if initiator {
		s, err = yamux.Client(muxed, yamuxConfig(window))
	} else {
		s, err = yamux.Server(muxed, yamuxConfig(window))
	}
	return s, sc, err
}

// finTap reads the Yamux frames the remote sends as they go by, counting each stream's data bytes
// up to its FIN (or RST). This Yamux version cannot read a stream once its own side is closed, so
// the dialer cannot read an echo to its end; the count tells it whether anything followed.
type finTap struct {
	r     io.Reader
	hdr   [12]byte
	nh    int    // header bytes held
	body  uint32 // data bytes of the current frame still to come
	cur   uint32 // the current frame's stream
	fin   bool   // the current frame ends its stream
	mu    sync.Mutex
	count map[uint32]uint64
	ended map[uint32]chan uint64
}

func newFinTap(r io.Reader) *finTap {
	return &finTap{r: r, count: map[uint32]uint64{}, ended: map[uint32]chan uint64{}}
}

func (t *finTap) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	t.scan(p[:n])
	return n, err
}

// scan follows the frame layout of the Yamux spec: a 12-byte header (version, type, flags,
// stream id, length), then length bytes of body for a data frame (type 0) only.
func (t *finTap) scan(b []byte) {
	for len(b) > 0 {
		if t.body > 0 {
			k := uint32(len(b))
			if k > t.body {
				k = t.body
			}
			t.mu.Lock()
			t.count[t.cur] += uint64(k)
			t.mu.Unlock()
			t.body -= k
			b = b[k:]
			if t.body == 0 && t.fin {
				t.end(t.cur)
			}
			continue
		}
		k := copy(t.hdr[t.nh:], b)
		t.nh += k
		b = b[k:]
		if t.nh < len(t.hdr) {
			return
		}
		t.nh = 0
		typ, flags := t.hdr[1], binary.BigEndian.Uint16(t.hdr[2:4])
		id, length := binary.BigEndian.Uint32(t.hdr[4:8]), binary.BigEndian.Uint32(t.hdr[8:12])
		fin := typ <= 1 && flags&(0x4|0x8) != 0 // FIN or RST on a data or window update frame
		if typ == 0 && length > 0 {
			t.cur, t.body, t.fin = id, length, fin
		} else if fin {
			t.end(id)
		}
	}
}

func (t *finTap) channel(id uint32) chan uint64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	ch := t.ended[id]
	if ch == nil {
		ch = make(chan uint64, 1)
		t.ended[id] = ch
	}
	return ch
}

func (t *finTap) end(id uint32) {
	t.mu.Lock()
	n := t.count[id]
	t.mu.Unlock()
	select {
	case t.channel(id) <- n:
	default:
	}
}

// total waits for the remote to end stream id and returns the data bytes it sent on it.
func (t *finTap) total(id uint32, timeout time.Duration) (uint64, error) {
	select {
	case n := <-t.channel(id):
		return n, nil
	case <-time.After(timeout):
		return 0, fmt.Errorf("stream %d: the remote did not end it within %v", id, timeout)
	}
}

type countingReader struct {
	r io.Reader
	n uint64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += uint64(n)
	return n, err
}

type readerConn struct {
	io.Reader
	*secureConn
}

func (c *readerConn) Read(p []byte) (int, error) { return c.Reader.Read(p) }

// ---- stream handlers ---------------------------------------------------------------------

type handlerCtx struct {
	id       *identity
	raw      net.Conn
	listen   string // our listen multiaddr without /p2p/, "" when not listening
	observed net.Addr
}

func serveStreams(s *yamux.Session, h *handlerCtx, remote string) {
	for {
		st, err := s.AcceptStream()
		if err != nil {
			return
		}
		go func() {
			defer st.Close()
			r := bufio.NewReader(st)
			p, err := msHandle(r, st, protoEcho, protoPing, protoIdentify, protoPerf, protoBulk)
			if err != nil {
				emitError("inbound stream", err)
				return
			}
			emit(map[string]interface{}{"event": "stream", "protocol": p, "remotePeer": remote,
				"remoteAddr": h.raw.RemoteAddr().String()})
			switch p {
			case protoEcho:
				if _, err := io.Copy(st, r); err != nil {
					emitError("echo", err)
				}
			case protoPing:
				buf := make([]byte, 32)
				for {
					if _, err := io.ReadFull(r, buf); err != nil {
						return
					}
					if _, err := st.Write(buf); err != nil {
						return
					}
				}
			case protoIdentify:
				st.Write(h.identifyMessage())
			case protoPerf:
				if err := perfServe(r, st); err != nil {
					emitError("perf", err)
				}
			case protoBulk:
				if err := bulkServe(r, st); err != nil {
					emitError("bulk", err)
				}
			}
		}()
	}
}

func multiaddrBytes(a *net.TCPAddr) []byte {
	ip := a.IP.To4()
	if ip == nil {
		return nil
	}
	b := append([]byte{0x04}, ip...)
	return append(b, 0x06, byte(a.Port>>8), byte(a.Port))
}

func (h *handlerCtx) identifyMessage() []byte {
	var m []byte
	m = pbBytes(m, 5, []byte("ipfs/0.1.0"))
	m = pbBytes(m, 6, []byte(agentVersion))
	m = pbBytes(m, 1, h.id.pubProto)
	if la, ok := h.raw.LocalAddr().(*net.TCPAddr); ok && h.listen != "" {
		m = pbBytes(m, 2, multiaddrBytes(la))
	}
	if ra, ok := h.raw.RemoteAddr().(*net.TCPAddr); ok {
		m = pbBytes(m, 4, multiaddrBytes(ra))
	}
	for _, p := range []string{protoEcho, protoPing, protoIdentify} {
		m = pbBytes(m, 3, []byte(p))
	}
	return append(binary.AppendUvarint(nil, uint64(len(m))), m...)
}

var zeros = make([]byte, 256*1024)

func writeZeros(w io.Writer, n uint64) error {
	for n > 0 {
		c := uint64(len(zeros))
		if n < c {
			c = n
		}
		if _, err := w.Write(zeros[:c]); err != nil {
			return err
		}
		n -= c
	}
	return nil
}

// perfServe is the libp2p perf server: an 8-byte big-endian download size, the upload until the
// remote closes, then the download; closing the stream ends it.
func perfServe(r io.Reader, w io.Writer) error {
	var hdr [8]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return err
	}
	if _, err := io.Copy(io.Discard, r); err != nil {
		return err
	}
	return writeZeros(w, binary.BigEndian.Uint64(hdr[:]))
}

// bulkServe answers requests of one byte ('u' or 'd') and an 8-byte big-endian size: 'u' reads
// that many bytes and answers one byte; 'd' writes that many bytes.
func bulkServe(r io.Reader, w io.Writer) error {
	var hdr [9]byte
	for {
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			if err == io.EOF {
				return nil
			}
			return err
		}
		n := binary.BigEndian.Uint64(hdr[1:])
		switch hdr[0] {
		case 'u':
			if _, err := io.CopyN(io.Discard, r, int64(n)); err != nil {
				return err
			}
			if _, err := w.Write([]byte{1}); err != nil {
				return err
			}
		case 'd':
			if err := writeZeros(w, n); err != nil {
				return err
			}
		default:
			return fmt.Errorf("bulk: unknown request %q", hdr[0])
		}
	}
}

// bulkRun uploads then downloads on one stream; returns the upload and total times.
func bulkRun(s *yamux.Session, up, down uint64) (time.Duration, time.Duration, error) {
	st, r, err := openStream(s, protoBulk)
	if err != nil {
		return 0, 0, err
	}
	defer st.Close()
	var hdr [9]byte
	t0 := time.Now()
	hdr[0] = 'u'
	binary.BigEndian.PutUint64(hdr[1:], up)
	if _, err := st.Write(hdr[:]); err != nil {
		return 0, 0, err
	}
	if err := writeZeros(st, up); err != nil {
		return 0, 0, err
	}
	if _, err := io.ReadFull(r, hdr[:1]); err != nil {
		return 0, 0, fmt.Errorf("bulk upload answer: %w", err)
	}
	tUp := time.Since(t0)
	hdr[0] = 'd'
	binary.BigEndian.PutUint64(hdr[1:], down)
	if _, err := st.Write(hdr[:]); err != nil {
		return 0, 0, err
	}
	if _, err := io.CopyN(io.Discard, r, int64(down)); err != nil {
		return 0, 0, fmt.Errorf("bulk download: %w", err)
	}
	return tUp, time.Since(t0), nil
}

// ---- serve -------------------------------------------------------------------------------

func serve(window uint32) error {
	id, err := newIdentity()
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		return err
	}
	port := ln.Addr().(*net.TCPAddr).Port
	listen := "/ip4/127.0.0.1/tcp/" + strconv.Itoa(port)
	emit(map[string]interface{}{"event": "listening", "addr": listen + "/p2p/" + id.peerID,
		"peer": id.peerID, "publicKey": hex.EncodeToString(id.pubProto)})
	go func() {
		io.Copy(io.Discard, os.Stdin)
		os.Exit(0)
	}()
	for {
		raw, err := ln.Accept()
		if err != nil {
			return err
		}
		go func() {
			raw.SetDeadline(time.Now().Add(30 * time.Second))
			s, sc, err := upgrade(raw, id, false, window)
			if err != nil {
				emitError("inbound upgrade", err)
				raw.Close()
				return
			}
			raw.SetDeadline(time.Time{})
			emit(map[string]interface{}{"event": "connection", "remotePeer": sc.remote,
				"remoteAddr": raw.RemoteAddr().String()})
			go func() {
				<-s.CloseChan()
				emit(map[string]interface{}{"event": "closed", "remotePeer": sc.remote})
			}()
			serveStreams(s, &handlerCtx{id: id, raw: raw, listen: listen}, sc.remote)
		}()
	}
}

// ---- dial --------------------------------------------------------------------------------

type dialArgs struct {
	addr        string
	pings       int
	echoBytes   int
	streams     int
	streamBytes int
	identify    bool
	window      uint32
	bulkUp      uint64
	bulkDown    uint64
	bulkWarmUp  uint64
}

func parseDialAddr(ma string) (hostPort, peer string, err error) {
	parts := strings.Split(ma, "/")
	if len(parts) != 7 || parts[0] != "" || parts[1] != "ip4" || parts[3] != "tcp" || parts[5] != "p2p" {
		return "", "", fmt.Errorf("want /ip4/<a>/tcp/<port>/p2p/<id>, got %q", ma)
	}
	return net.JoinHostPort(parts[2], parts[4]), parts[6], nil
}

func openStream(s *yamux.Session, proto string) (*yamux.Stream, *bufio.Reader, error) {
	st, err := s.OpenStream()
	if err != nil {
		return nil, nil, err
	}
	r := bufio.NewReader(st)
	if err := msSelect(r, st, proto); err != nil {
		st.Close()
		return nil, nil, err
	}
	return st, r, nil
}

// echoOnce sends payload on a new echo stream and reads as many bytes back before closing (this
// Yamux version stops reading a stream once it has closed its own side); then the tap must see
// the remote end the stream with nothing after those bytes: the whole echo is compared, not just
// its first len(payload) bytes.
func echoOnce(s *yamux.Session, tap *finTap, payload []byte) error {
	st, err := s.OpenStream()
	if err != nil {
		return err
	}
	defer st.Close()
	counted := &countingReader{r: st}
	r := bufio.NewReader(counted)
	if err := msSelect(r, st, protoEcho); err != nil {
		return err
	}
	werr := make(chan error, 1)
	go func() {
		_, err := st.Write(payload)
		werr <- err
	}()
	back := make([]byte, len(payload))
	if _, err := io.ReadFull(r, back); err != nil {
		return fmt.Errorf("echo read: %w", err)
	}
	if err := <-werr; err != nil {
		return fmt.Errorf("echo write: %w", err)
	}
	if !bytes.Equal(back, payload) {
		return errors.New("echo: bytes differ")
	}
	// Read from the stream so far: the negotiation, the echo and whatever r holds beyond them.
	taken := counted.n - uint64(r.Buffered())
	st.Close()
	sent, err := tap.total(st.StreamID(), 30*time.Second)
	if err != nil {
		return fmt.Errorf("echo: %w", err)
	}
	if sent != taken {
		return fmt.Errorf("echo: the remote sent %d bytes after the %d echoed", int64(sent)-int64(taken), len(payload))
	}
	return nil
}

func readIdentify(s *yamux.Session, wantKey []byte) (map[string]interface{}, error) {
	st, r, err := openStream(s, protoIdentify)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	l, err := binary.ReadUvarint(r)
	if err != nil {
		return nil, err
	}
	if l > maxIdentifyBytes {
		return nil, fmt.Errorf("identify: message of %d bytes", l)
	}
	msg := make([]byte, l)
	if _, err := io.ReadFull(r, msg); err != nil {
		return nil, err
	}
	fields, err := pbParse(msg)
	if err != nil {
		return nil, fmt.Errorf("identify: %w", err)
	}
	out := map[string]interface{}{}
	var protocols []string
	for _, f := range fields {
		if !f.isLen {
			continue
		}
		switch f.num {
		case 1:
			out["publicKeyMatches"] = bytes.Equal(f.bytes, wantKey)
		case 3:
			protocols = append(protocols, string(f.bytes))
		case 5:
			out["protocolVersion"] = string(f.bytes)
		case 6:
			out["agentVersion"] = string(f.bytes)
		case 4:
			out["observedAddr"] = hex.EncodeToString(f.bytes)
		}
	}
	out["protocols"] = protocols
	return out, nil
}

func dial(a dialArgs) (map[string]interface{}, func(), error) {
	hostPort, want, err := parseDialAddr(a.addr)
	if err != nil {
		return nil, nil, err
	}
	id, err := newIdentity()
	if err != nil {
		return nil, nil, err
	}
	raw, err := net.DialTimeout("tcp4", hostPort, 10*time.Second)
	if err != nil {
		return nil, nil, err
	}
	raw.SetDeadline(time.Now().Add(30 * time.Second))
	s, sc, err := upgrade(raw, id, true, a.window)
	if err != nil {
		raw.Close()
		return nil, nil, err
	}
	raw.SetDeadline(time.Time{})
	closeAll := func() { s.Close(); raw.Close() }
	if sc.remote != want {
		closeAll()
		return nil, nil, fmt.Errorf("peer id mismatch: dialed %s, remote is %s", want, sc.remote)
	}
	go serveStreams(s, &handlerCtx{id: id, raw: raw}, sc.remote)
	res := map[string]interface{}{"ok": true, "peer": id.peerID, "remotePeer": sc.remote,
		"publicKey": hex.EncodeToString(id.pubProto), "localAddr": raw.LocalAddr().String()}
	fail := func(err error) (map[string]interface{}, func(), error) {
		closeAll()
		return nil, nil, err
	}

	if a.pings > 0 {
		st, r, err := openStream(s, protoPing)
		if err != nil {
			return fail(fmt.Errorf("ping: %w", err))
		}
		var rtts []float64
		buf, back := make([]byte, 32), make([]byte, 32)
		for i := 0; i < a.pings; i++ {
			rand.Read(buf)
			t0 := time.Now()
			if _, err := st.Write(buf); err != nil {
				return fail(fmt.Errorf("ping write: %w", err))
			}
			if _, err := io.ReadFull(r, back); err != nil {
				return fail(fmt.Errorf("ping read: %w", err))
			}
			if !bytes.Equal(buf, back) {
				return fail(errors.New("ping: answer differs"))
			}
			rtts = append(rtts, float64(time.Since(t0).Microseconds())/1000)
		}
		st.Close()
		res["pingRttsMs"] = rtts
		rtt, err := s.Ping()
		if err != nil {
			return fail(fmt.Errorf("yamux ping: %w", err))
		}
		res["yamuxPingMs"] = float64(rtt) / 1e6
	}
	if a.echoBytes > 0 {
		payload := make([]byte, a.echoBytes)
		rand.Read(payload)
		if err := echoOnce(s, sc.tap, payload); err != nil {
			return fail(err)
		}
		sum := sha256.Sum256(payload)
		res["echoSha256"] = hex.EncodeToString(sum[:])
	}
	if a.streams > 0 {
		var wg sync.WaitGroup
		errs := make(chan error, a.streams)
		for i := 0; i < a.streams; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				p := make([]byte, a.streamBytes)
				rand.Read(p)
				errs <- echoOnce(s, sc.tap, p)
			}()
		}
		wg.Wait()
		close(errs)
		ok := 0
		for err := range errs {
			if err != nil {
				return fail(fmt.Errorf("concurrent echo: %w", err))
			}
			ok++
		}
		res["streamsOk"] = ok
	}
	if a.bulkUp > 0 || a.bulkDown > 0 {
		if a.bulkWarmUp > 0 {
			if _, _, err := bulkRun(s, a.bulkWarmUp, a.bulkWarmUp); err != nil {
				return fail(err)
			}
		}
		up, total, err := bulkRun(s, a.bulkUp, a.bulkDown)
		if err != nil {
			return fail(err)
		}
		res["bulkUploadNs"], res["bulkTotalNs"] = up.Nanoseconds(), total.Nanoseconds()
	}
	if a.identify {
		idr, err := readIdentify(s, sc.remoteKey)
		if err != nil {
			return fail(err)
		}
		res["identify"] = idr
	}
	return res, closeAll, nil
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: peer serve|dial [flags]")
		os.Exit(2)
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	window := fs.Uint("window", 0, "Yamux MaxStreamWindowSize (0: the library default)")
	var a dialArgs
	fs.StringVar(&a.addr, "addr", "", "multiaddr to dial")
	fs.IntVar(&a.pings, "pings", 0, "ping round trips")
	fs.IntVar(&a.echoBytes, "echo", 0, "bytes to echo on one stream")
	fs.IntVar(&a.streams, "streams", 0, "concurrent echo streams")
	fs.IntVar(&a.streamBytes, "stream-bytes", 20000, "bytes per concurrent echo stream")
	fs.BoolVar(&a.identify, "identify", false, "ask the remote for identify")
	fs.Uint64Var(&a.bulkUp, "bulk-up", 0, "bytes to upload on the bulk protocol (Go to Go)")
	fs.Uint64Var(&a.bulkDown, "bulk-down", 0, "bytes to download on the bulk protocol")
	fs.Uint64Var(&a.bulkWarmUp, "bulk-warmup", 0, "bytes each way of an untimed bulk transfer first")
	fs.Parse(os.Args[2:])
	a.window = uint32(*window)
	switch os.Args[1] {
	case "serve":
		if err := serve(a.window); err != nil {
			emitError("serve", err)
			os.Exit(1)
		}
	case "dial":
		res, closeAll, err := dial(a)
		if err != nil {
			emit(map[string]interface{}{"ok": false, "error": err.Error()})
			os.Exit(1)
		}
		emit(res)
		bufio.NewReader(os.Stdin).ReadString('\n')
		closeAll()
		emit(map[string]interface{}{"event": "closed"})
	default:
		fmt.Fprintln(os.Stderr, "usage: peer serve|dial [flags]")
		os.Exit(2)
	}
}
