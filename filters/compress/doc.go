// Package compress provides the compress filter: it compresses response
// bodies with gzip or deflate when the client accepts it, streaming the body
// through pooled compressors instead of buffering it.
package compress
