// Package body holds the filters that read, edit or make message bodies:
// the streaming regexp editors sed, sedDelim, sedRequest and
// sedRequestDelim, blockContent and blockContentHex, decompress, and the
// generated or wrapped bodies of randomContent, repeatContent,
// repeatContentHex, wrapContent and wrapContentHex. Every body is
// streamed through a window of bounded size; none is read whole.
package body
