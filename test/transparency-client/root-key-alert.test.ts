/**
 * A directory alert is a stored record a person acknowledges (PROTOCOL.md §5.1), on both engines: a
 * relay that serves an agreement extension giving Malmö another root key, which this client's chain
 * refuses, gets a `root-key` alert (the refused agreement, both keys and their safety numbers) and a
 * `directory.alert` event, once; the sync goes on. Root pins are kept by the client and passed to the
 * directory whenever it opens: a pin made by hand, or a root change signed by Malmö's old root.
 */
import {
  Agreement,
  type AlertView,
  type RootKeyAlert,
  SigningKeyPair,
  signRootChange,
} from '@brygga/client-sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { ENGINES } from '../support/databases.js';
import { jsonOf, jsonResponse, type LogProxy, startLogProxy } from '../support/log-proxy.js';
import { startWorkflow, type Workflow, workflowTerms } from '../support/workflow-world.js';

describe.each(ENGINES)('root key alerts and pins on %s', (engine) => {
  let w: Workflow | undefined;
  let proxy: LogProxy | undefined;
  afterEach(async () => {
    await proxy?.close();
    await w?.close();
    w = undefined;
    proxy = undefined;
  });

  it('an extension refused over a root key is an alert, kept once; pins outlive the client', async () => {
    proxy = await startLogProxy([]);
    const via = (input: string, init: RequestInit) =>
      fetch(input.replace(/^http:\/\/127\.0\.0\.1:\d+/, proxy!.url), init);
    w = await startWorkflow(engine, { client: { fetch: via } });
    const url = w.url;
    proxy.route = () => url;
    const world = w.world;
    const jarva = w.clients['stockholm-jarva'];
    await w.syncAll();

    // The relay serves an extension in which Malmö has another root key, signed by every party of it.
    const otherRoot = SigningKeyPair.generate();
    const roots = { ...world.wroots, malmo: otherRoot };
    let forged = Agreement.create({
      ...workflowTerms(roots),
      sequence: 2,
      supersedes: world.agreement.digest,
    });
    for (const r of Object.values(roots)) forged = forged.sign(r);
    proxy.tamper = (req, res) => {
      if (req.method !== 'GET' || !req.path.startsWith('/v1/directory')) return undefined;
      const page = jsonOf<{ agreements: unknown[] }>(res);
      return jsonResponse(200, { ...page, agreements: [...page.agreements, forged.jws] });
    };
    await jarva.sync();
    await jarva.sync();
    expect(jarva.directory.agreements.map((a) => a.terms.sequence)).toEqual([1]);
    const alerts = await jarva.alerts();
    expect(alerts).toHaveLength(1);
    const [alert] = alerts as [AlertView];
    expect(alert).toMatchObject({ kind: 'root-key', code: 'ERR_AGREEMENT_INVALID', acknowledged: null });
    const evidence = alert.evidence as RootKeyAlert;
    expect(evidence).toMatchObject({
      unit: 'malmo',
      agreement: forged.digest,
      knownRoot: world.wroots.malmo.publicKey.serialize(),
      offeredRoot: otherRoot.publicKey.serialize(),
    });
    expect(evidence.offeredSafetyNumber).toMatch(/^\d{5}( \d{5}){5}$/);
    const events = (await jarva.pendingEvents(1000)).filter((e) => e.type === 'directory.alert');
    expect(events.map((e) => e.data.alert)).toEqual([alert.id]);
    await jarva.acknowledgeAlert(alert.id, 'Järva IT-administratör');
    expect(await jarva.alerts({ pending: true })).toEqual([]);

    // A hand pin, after comparing safety numbers, and a root change signed by Göteborg's old root: both
    // kept in the store, and in the directory of a client opened on it later.
    const pin = {
      unit: 'malmo',
      from: world.wroots.malmo.publicKey.serialize(),
      to: otherRoot.publicKey.serialize(),
    };
    await jarva.pinRootKey(pin);
    const newGbg = SigningKeyPair.generate();
    const change = signRootChange(world.wroots['goteborg-nordost'], {
      agreement: world.agreement.terms.id,
      unit: 'goteborg-nordost',
      to: newGbg.publicKey,
    });
    const accepted = await jarva.acceptRootChange(change);
    expect(accepted).toEqual({
      unit: 'goteborg-nordost',
      from: world.wroots['goteborg-nordost'].publicKey.serialize(),
      to: newGbg.publicKey.serialize(),
    });
    const reopened = await w.open(world.units['stockholm-jarva'], w.stores['stockholm-jarva']);
    expect(reopened.directory.pins).toEqual(expect.arrayContaining([pin, accepted]));
    expect(reopened.directory.pins).toHaveLength(2);
    await expect(reopened.acceptRootChange('not.a.jws')).rejects.toMatchObject({ code: 'ERR_MALFORMED' });
  });
});
