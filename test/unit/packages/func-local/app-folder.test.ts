import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AppFolderError, readAppFolder } from '../../../../packages/func-local/app/app-folder';

function appFolder(packageJson: Record<string, unknown>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'app-folder-'));
  fs.writeFileSync(path.join(root, 'package.json'), JSON.stringify({ main: 'index.js', ...packageJson }));
  fs.writeFileSync(path.join(root, 'index.js'), '');
  fs.writeFileSync(path.join(root, 'host.json'), '{"version":"2.0"}');
  return root;
}

describe('an app folder', () => {
  it('reads the route shadowings the app declares intended from package.json funcLocal, none by default', () => {
    expect(readAppFolder(appFolder({})).expectedShadowings).toEqual([]);
    const declared = readAppFolder(
      appFolder({ funcLocal: { expectedRouteShadowings: [['jobsQuery', 'jobsRead']] } }),
    );
    expect(declared.expectedShadowings).toEqual([['jobsQuery', 'jobsRead']]);
  });

  it('refuses a malformed declaration rather than ignoring it', () => {
    for (const expectedRouteShadowings of ['jobsQuery', [['only-one']], [['a', 2]]])
      expect(() => readAppFolder(appFolder({ funcLocal: { expectedRouteShadowings } }))).toThrow(
        AppFolderError,
      );
  });

  it('names the file and the setting when package.json, host.json or local.settings.json is malformed', () => {
    const noMain = appFolder({ main: '' });
    expect(() => readAppFolder(noMain)).toThrow(
      `package.json in ${noMain} has no "main" naming the app's entry files.`,
    );
    expect(() => readAppFolder(appFolder({ funcLocal: 'yes' }))).toThrow(
      'package.json "funcLocal" must be an object.',
    );
    expect(() =>
      readAppFolder(appFolder({ funcLocal: { expectedRouteShadowings: [['a', 'b', 'c']] } })),
    ).toThrow('must be a list of [winner, shadowed] function names.');
    const listHost = appFolder({});
    fs.writeFileSync(path.join(listHost, 'host.json'), '[]');
    expect(() => readAppFolder(listHost)).toThrow(
      `${path.join(listHost, 'host.json')} must hold a JSON object.`,
    );
    const badValues = appFolder({});
    fs.writeFileSync(path.join(badValues, 'local.settings.json'), '{"Values": ["A=1"]}');
    expect(() => readAppFolder(badValues)).toThrow('"Values" in');
  });

  it('reads local.settings.json Values as text', () => {
    const root = appFolder({});
    fs.writeFileSync(path.join(root, 'local.settings.json'), '{"Values": {"A": "x", "B": 2, "C": true}}');
    expect(readAppFolder(root).localSettings).toEqual({ A: 'x', B: '2', C: 'true' });
  });

  it("declares this app's own pair (the listing's route before jobsRead's)", () => {
    const own = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../../../package.json'), 'utf8')) as {
      funcLocal?: unknown;
    };
    expect(readAppFolder(appFolder({ funcLocal: own.funcLocal })).expectedShadowings).toEqual([
      ['jobsQuery', 'jobsRead'],
    ]);
  });
});
