"""Real journal files from journal export format, through systemd-journal-remote.

One `JournalWriter` owns a machine-id directory. Entries are streamed, already in
export form, into one `systemd-journal-remote --output=F -` process per file
(a pipe, so the writer and the generator run on both cores). When a file is
closed its header is patched the way journald would have left it:

* `machine_id` (journal-remote writes the build host's),
* `seqnum_id` and the entry seqnums, so that the rotated files of one journald
  run share one seqnum ID and count on from each other (journal-remote starts
  every file at seqnum 1 with a random ID),
* `state` (ARCHIVED for rotated files, ONLINE for the live or torn one).

None of these fields is hashed, so `journalctl --verify` and the data hash
tables stay valid. A torn file is then cut inside one ENTRY object.
"""

import mmap
import os
import struct
import subprocess
import tempfile

JOURNAL_REMOTE = next((p for p in ("/lib/systemd/systemd-journal-remote",
                                   "/usr/lib/systemd/systemd-journal-remote")
                       if os.access(p, os.X_OK)), None)

STATE_OFFLINE, STATE_ONLINE, STATE_ARCHIVED = 0, 1, 2
OBJECT_ENTRY = 3


class GenError(Exception):
    pass


def align8(n):
    return (n + 7) & ~7


class JournalFile:
    """What the writer knows about one file it wrote."""

    def __init__(self, index, tmp_path, lineage, first_index):
        self.index = index
        self.tmp_path = tmp_path
        self.path = None                  # final path, set on close
        self.lineage = lineage
        self.first_index = first_index    # global index of its first entry
        self.count = 0                    # entries written into it
        self.first_seqnum = lineage.next_seqnum
        self.kind = None                  # archived | online | torn
        self.entry_rts = []               # realtime of each entry (for the cut)
        self.recoverable = None           # entries wholly before the cut (torn only)
        self.cut_offset = None
        self.size = None


class Lineage:
    """One journald seqnum family: a seqnum ID and the next seqnum to hand out."""

    def __init__(self, seqnum_id, next_seqnum=1):
        self.seqnum_id = seqnum_id
        self.next_seqnum = next_seqnum


class JournalWriter:
    def __init__(self, directory, machine_id, keep_rts=True):
        if JOURNAL_REMOTE is None:
            raise GenError("systemd-journal-remote is not installed (apt-get install systemd-journal-remote)")
        self.dir = directory
        self.machine_id = machine_id
        self.keep_rts = keep_rts
        os.makedirs(directory, exist_ok=True)
        self.files = []
        self.cur = None
        self.proc = None
        self.buf = []
        self.buflen = 0
        self.total = 0
        self.env = dict(os.environ)
        # Debian 12's journald defaults. COMPACT and KEYED_HASH take effect in 252;
        # SYSTEMD_JOURNAL_COMPRESS does not exist yet (objects over 512 B are zstd'ed anyway).
        self.env.update(SYSTEMD_JOURNAL_COMPACT="1", SYSTEMD_JOURNAL_KEYED_HASH="1")

    # -- streaming ---------------------------------------------------------
    def open(self, lineage):
        if self.cur is not None:
            raise GenError("a journal file is already open")
        tmp = os.path.join(self.dir, ".tmp-%03d.journal" % len(self.files))
        self.cur = JournalFile(len(self.files), tmp, lineage, self.total)
        self.errfile = tempfile.TemporaryFile()
        self.proc = subprocess.Popen([JOURNAL_REMOTE, "--output=" + tmp, "-"], stdin=subprocess.PIPE,
                                     stdout=subprocess.DEVNULL, stderr=self.errfile, env=self.env)
        return self.cur

    @property
    def is_open(self):
        return self.cur is not None

    def add(self, data, rt):
        """Appends one entry in export form (bytes ending in the blank line)."""
        self.buf.append(data)
        self.buflen += len(data)
        self.cur.count += 1
        if self.keep_rts:
            self.cur.entry_rts.append(rt)
        self.total += 1
        if self.buflen >= 1 << 20:
            self._flush()

    def _flush(self):
        if self.buf:
            self.proc.stdin.write(b"".join(self.buf))
            self.buf = []
            self.buflen = 0

    def close(self, kind, name=None):
        """Finishes the open file. kind: archived | online | torn (cut later by `tear`)."""
        f = self.cur
        self._flush()
        self.proc.stdin.close()
        rc = self.proc.wait()
        self.errfile.seek(0)
        err = self.errfile.read().decode("utf-8", "replace")
        self.errfile.close()
        if rc != 0:
            raise GenError("systemd-journal-remote failed (%d): %s" % (rc, err))
        if ("Finishing after writing %d entries" % f.count) not in err:
            raise GenError("systemd-journal-remote wrote an unexpected count for %d entries: %s" % (f.count, err))
        extra = [n for n in os.listdir(self.dir) if n.startswith(".tmp-%03d@" % f.index)]
        if extra:
            raise GenError("systemd-journal-remote rotated the output on its own: %s" % extra)
        state = STATE_ARCHIVED if kind == "archived" else STATE_ONLINE
        head_seq = f.lineage.next_seqnum
        head_rt = patch_header(f.tmp_path, self.machine_id, f.lineage.seqnum_id, head_seq - 1, state)
        f.lineage.next_seqnum += f.count
        f.kind = kind
        if name is None:
            name = "system@%s-%016x-%016x.journal" % (f.lineage.seqnum_id, head_seq, head_rt)
        f.path = os.path.join(self.dir, name)
        os.replace(f.tmp_path, f.path)
        f.size = os.path.getsize(f.path)
        self.files.append(f)
        self.cur = None
        self.proc = None
        return f


def patch_header(path, machine_id, seqnum_id, seq_offset, state):
    """Rewrites machine ID, seqnum ID, state and shifts every entry seqnum by seq_offset.
    Returns the head entry realtime."""
    with open(path, "r+b") as fh:
        mm = mmap.mmap(fh.fileno(), 0)
        try:
            if mm[:8] != b"LPKSHHRH":
                raise GenError("%s: not a journal file" % path)
            header_size, = struct.unpack_from("<Q", mm, 88)
            tail_object, = struct.unpack_from("<Q", mm, 136)
            mm[40:56] = bytes.fromhex(machine_id)
            mm[72:88] = bytes.fromhex(seqnum_id)
            mm[16] = state
            if seq_offset:
                for name_off in (160, 168):   # tail / head entry seqnum
                    v, = struct.unpack_from("<Q", mm, name_off)
                    struct.pack_into("<Q", mm, name_off, v + seq_offset)
                off = header_size
                unpack = struct.unpack_from
                while off <= tail_object:
                    otype = mm[off]
                    size, = unpack("<Q", mm, off + 8)
                    if size < 16:
                        raise GenError("%s: bad object at %d" % (path, off))
                    if otype == OBJECT_ENTRY:
                        seq, = unpack("<Q", mm, off + 16)
                        struct.pack_into("<Q", mm, off + 16, seq + seq_offset)
                    off = align8(off + size)
            head_rt, = struct.unpack_from("<Q", mm, 184)
            mm.flush()
        finally:
            mm.close()
    return head_rt


def entry_objects(path):
    """(offset, size) of every ENTRY object, in file order, found by walking all objects."""
    out = []
    with open(path, "rb") as fh:
        mm = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        try:
            header_size, = struct.unpack_from("<Q", mm, 88)
            tail_object, = struct.unpack_from("<Q", mm, 136)
            off = header_size
            while off <= tail_object:
                size, = struct.unpack_from("<Q", mm, off + 8)
                if size < 16:
                    break
                if mm[off] == OBJECT_ENTRY:
                    out.append((off, size))
                off = align8(off + size)
        finally:
            mm.close()
    return out


def tear(f, keep, rng):
    """Cuts file f inside the ENTRY object of entry number `keep` (0-based), so that
    entries 0..keep-1 lie wholly before the cut; header state stays ONLINE."""
    objs = entry_objects(f.path)
    if len(objs) != f.count:
        raise GenError("%s: found %d entry objects, wrote %d" % (f.path, len(objs), f.count))
    keep = max(1, min(keep, f.count - 1))
    off, size = objs[keep]
    # Inside the object and never on an 8-byte boundary, so it is no object boundary.
    delta = rng.randrange(9, max(10, size - 1))
    if delta % 8 == 0:
        delta += 3
    cut = off + min(delta, size - 1)
    with open(f.path, "r+b") as fh:
        fh.truncate(cut)
        fh.seek(16)
        fh.write(bytes([STATE_ONLINE]))
    f.recoverable = keep
    f.cut_offset = cut
    f.size = cut
    return cut
