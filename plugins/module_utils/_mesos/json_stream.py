# -*- coding: utf-8 -*-
# Copyright (c) dcos.stateful contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE: this module_util is internal to dcos.stateful; its API may change without notice.

"""Read a large JSON object one element of one array at a time.

``/master/slaves`` of a 1,000-agent cluster is tens of MB; parsed whole it costs several times that in
Python objects. ``iter_object(read, array_key)`` yields ``(key, value)`` for the top-level members and
``(array_key, element)`` for each element of the array named ``array_key``, reading ``read(n)`` chunks,
so only one element (one agent) is ever held as objects. Each value is decoded by the standard ``json``
scanner (``raw_decode``), so what is accepted is exactly JSON. One value larger than ``max_value``
characters (an endless string from a broken server) is refused instead of growing memory without end.

Why no library: the streaming parsers (ijson and the like) are not part of Python or Ansible, and a module must
run on a managed node with neither; the splitting here is small, and the decoding is the standard ``json``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import codecs
import json
import re

_WS = re.compile(r'[ \t\n\r]*')
_NUMBER_TAIL = re.compile(r'[0-9.eE+-]*')
CHUNK = 1 << 20
# One agent is a few KB to a few hundred KB of JSON; nothing a master sends as one value comes near this.
MAX_VALUE = 64 << 20


class StreamError(ValueError):
    pass


class _Reader:
    def __init__(self, read, chunk=CHUNK, max_value=MAX_VALUE):
        self._read = read
        self._chunk = chunk
        self._max_value = max_value
        self._decoder = codecs.getincrementaldecoder('utf-8')()
        self._json = json.JSONDecoder()
        self.buf = ''
        self.pos = 0
        self.eof = False

    def _fill(self):
        data = self._read(self._chunk)
        if not data:
            self.eof = True
        text = self._decoder.decode(data or b'', final=self.eof)
        self.buf = self.buf[self.pos:] + text
        self.pos = 0
        if len(self.buf) > self._max_value:
            raise StreamError('a single JSON value longer than %d characters' % self._max_value)

    def peek(self):
        """Next non-blank character (not consumed), '' at the end."""
        while True:
            self.pos = _WS.match(self.buf, self.pos).end()
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if self.eof:
                return ''
            self._fill()

    def expect(self, chars):
        char = self.peek()
        if char == '' or char not in chars:
            wanted = ' or '.join(repr(c) for c in chars)
            raise StreamError('expected %s at offset %d, found %r' % (wanted, self.pos, char or 'end of data'))
        self.pos += 1
        return char

    def value(self):
        self.peek()
        while True:
            try:
                value, end = self._json.raw_decode(self.buf, self.pos)
            except ValueError:
                if self.eof:
                    raise
                self._fill()  # the value runs past the buffer: read on and decode again
                continue
            if not self.eof and _NUMBER_TAIL.match(self.buf, end).end() == len(self.buf) \
                    and isinstance(value, (int, float)) and not isinstance(value, bool):
                self._fill()  # a number may go on in the next chunk ("0." + "5")
                continue
            self.pos = end
            return value


def iter_object(read, array_key, chunk=CHUNK, max_value=MAX_VALUE, arrays_seen=None):
    """Yield the members of a JSON object, with the array ``array_key`` yielded element by element.
    ``arrays_seen`` (a set) gets ``array_key`` once it was found as an array, even an empty one."""
    reader = _Reader(read, chunk, max_value)
    reader.expect('{')
    if reader.peek() == '}':
        return
    while True:
        key = reader.value()
        if not isinstance(key, str):
            raise StreamError('expected an object key, found %r' % (key,))
        reader.expect(':')
        if key == array_key and reader.peek() == '[':
            if arrays_seen is not None:
                arrays_seen.add(key)
            reader.expect('[')
            if reader.peek() == ']':
                reader.expect(']')
            else:
                while True:
                    yield key, reader.value()
                    if reader.expect(',]') == ']':
                        break
        else:
            yield key, reader.value()
        if reader.expect(',}') == '}':
            break
    if reader.peek() != '':
        raise StreamError('data after the JSON object at offset %d' % reader.pos)
