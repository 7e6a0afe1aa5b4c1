import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultDbPath, ensureFolderFor } from '../../main/store/paths';
import { StoreError } from '../../main/store/errors';

test('defaultDbPath follows XDG_DATA_HOME, then ~/.local/share', () => {
  assert.equal(defaultDbPath({ XDG_DATA_HOME: '/data/x', HOME: '/home/u' }), '/data/x/gridrewire/gridrewire.db');
  assert.equal(defaultDbPath({ HOME: '/home/u' }), '/home/u/.local/share/gridrewire/gridrewire.db');
  // A relative XDG_DATA_HOME is invalid per the XDG spec and ignored; so is an empty one.
  assert.equal(defaultDbPath({ XDG_DATA_HOME: 'rel/dir', HOME: '/home/u' }), '/home/u/.local/share/gridrewire/gridrewire.db');
  assert.equal(defaultDbPath({ XDG_DATA_HOME: '', HOME: '/home/u' }), '/home/u/.local/share/gridrewire/gridrewire.db');
  assert.equal(defaultDbPath({}), join(homedir(), '.local/share/gridrewire/gridrewire.db'));
});

test('ensureFolderFor creates missing folders and explains when it cannot', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gr-paths-'));
  try {
    ensureFolderFor(join(dir, 'a', 'b', 'store.db'));
    assert.ok(statSync(join(dir, 'a', 'b')).isDirectory());
    const file = join(dir, 'file.txt');
    writeFileSync(file, 'x');
    // A path under a regular file fails even for root.
    assert.throws(
      () => ensureFolderFor(join(file, 'sub', 'store.db')),
      (e: unknown) => e instanceof StoreError && e.code === 'CANNOT_CREATE' && e.message.includes(join(file, 'sub')) && /not a folder/.test(e.message),
    );
    assert.throws(() => ensureFolderFor('/proc/gridrewire-test/store.db'), (e: unknown) => e instanceof StoreError && e.code === 'CANNOT_CREATE');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
