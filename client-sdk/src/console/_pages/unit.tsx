/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * Enhet och enheter: this device's keys and safety numbers, every unit's enrolled devices as the
 * verified directory holds them (PROTOCOL.md §6), the transparency log as this device verified it
 * (§18–19), and the alerts kept for people to review. Device names come over the wire and are shown
 * escaped and direction-isolated, like every other wire string.
 */
import { Hono } from 'hono';
import { unitName } from '../_cases.js';
import type { ConsoleDeps, ConsoleEnv } from '../_context.js';
import { userOf } from '../_context.js';
import { forbidden, logAccess, page } from '../_page.js';
import { Button, PostForm, SummaryList, Tag, W } from '../_views/components.js';

/** The unit page and reviewing alerts. */
export function unitRoutes(deps: ConsoleDeps): Hono<ConsoleEnv> {
  const app = new Hono<ConsoleEnv>();

  app.get('/enhet', async (c) => {
    const texts = c.get('texts');
    const { t } = texts;
    const { client, identity } = deps;
    const user = userOf(c);
    const [status, evidence, alerts, users] = await Promise.all([
      client.logStatus(),
      client.logEvidence(),
      deps.db.listAlerts(),
      deps.db.listUsers(),
    ]);
    const nameOf = (u: string | null) => users.find((x) => x.username === u)?.displayName ?? u ?? '';
    const devices = client.directory.devices();
    const units = client.directory.agreement.terms.parties.map((p) => p.unit);
    const mayReview = user.role === 'lead' || user.role === 'admin';
    return page(c, deps, {
      title: t.unit.title,
      active: 'unit',
      live: true,
      children: (
        <>
          <h1 class="heading-xl">{t.unit.title}</h1>
          <section aria-labelledby="datorn">
            <h2 class="heading-l" id="datorn">
              {t.unit.thisDevice}
            </h2>
            <SummaryList
              rows={[
                [t.unit.unitLabel, <W>{unitName(client, client.unit)}</W>],
                [t.unit.deviceName, <W>{deps.deviceName}</W>],
                [t.unit.deviceId, <code class="code">{identity.key.kid}</code>],
                [
                  t.unit.safetyNumber,
                  <>
                    <span class="safety-number">{identity.key.publicKey.safetyNumber(client.unit)}</span>
                    <div class="hint">{t.unit.safetyHint}</div>
                  </>,
                ],
                [
                  t.unit.hpkeKeys,
                  <ul class="list">
                    {identity.hpkeKeys.map((k) => (
                      <li>
                        <code class="code">{k.kid}</code>
                      </li>
                    ))}
                  </ul>,
                ],
                [t.unit.relay, <code class="code">{deps.relayUrl}</code>],
              ]}
            />
          </section>
          <section aria-labelledby="enheter">
            <h2 class="heading-l" id="enheter">
              {t.unit.unitsDevices}
            </h2>
            {units.map((u) => (
              <>
                <h3 class="heading-m">
                  <W>{unitName(client, u)}</W>
                </h3>
                <p class="body">
                  {client.directory.hasIntake(u) ? (
                    <W>
                      {t.unit.intake(
                        client.directory
                          .intakeOf(u)
                          .map((kid) => client.directory.device(kid)?.name ?? kid)
                          .join(', '),
                      )}
                    </W>
                  ) : (
                    t.unit.noIntake
                  )}
                </p>
                <table class="table">
                  <caption class="visually-hidden">
                    <W>{unitName(client, u)}</W>
                  </caption>
                  <thead>
                    <tr>
                      <th scope="col">{t.unit.deviceName}</th>
                      <th scope="col">{t.unit.safetyNumber}</th>
                      <th scope="col">{t.unit.enrolled}</th>
                      <th scope="col">{t.unit.stateCol}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {devices
                      .filter((d) => d.unit === u)
                      .map((d) => (
                        <tr>
                          <td class="device-name">
                            <W>{d.name}</W>
                          </td>
                          <td>
                            <span class="safety-number">{d.key.safetyNumber(d.unit)}</span>
                          </td>
                          <td>{texts.dateTime(d.enrolledAt)}</td>
                          <td>
                            {d.revokedAt !== undefined ? (
                              <Tag tone="red">{t.unit.revoked}</Tag>
                            ) : (
                              <Tag tone="green">{t.unit.active}</Tag>
                            )}
                          </td>
                        </tr>
                      ))}
                  </tbody>
                </table>
              </>
            ))}
          </section>
          <section aria-labelledby="loggen" data-live id="unit-log">
            <h2 class="heading-l" id="loggen">
              {t.unit.log}
            </h2>
            <p class="body">{t.unit.logLead}</p>
            <SummaryList
              rows={[
                [
                  t.unit.logKey,
                  status.logKey ? <code class="code wrap">{status.logKey}</code> : t.unit.notYet,
                ],
                [t.unit.logSize, status.latest ? String(status.latest.size) : t.unit.notYet],
                [
                  t.unit.cosigners,
                  status.latest?.cosigners.length ? (
                    <ul class="list">
                      {status.latest.cosigners.map((x) => (
                        <li>
                          <W>{x}</W>
                        </li>
                      ))}
                    </ul>
                  ) : (
                    t.none
                  ),
                ],
                [t.unit.monitored, String(status.monitored)],
                [t.unit.pending, String(status.pending)],
              ]}
            />
            <p class="body">{t.unit.evidence(evidence.length)}</p>
            <h2 class="heading-l" id="larm">
              {t.unit.alerts}
            </h2>
            {alerts.length === 0 ? (
              <p class="body">{t.unit.noAlerts}</p>
            ) : (
              <table class="table">
                <caption class="visually-hidden">{t.unit.alerts}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t.unit.alertAt}</th>
                    <th scope="col">{t.unit.alertWhat}</th>
                    <th scope="col">{t.unit.stateCol}</th>
                  </tr>
                </thead>
                <tbody>
                  {alerts.map((a) => (
                    <tr>
                      <td>{texts.dateTime(a.at)}</td>
                      <td>
                        {t.unit.alertTypes[a.type] ?? a.type}
                        {a.code ? (
                          <>
                            {' '}
                            <code class="code">{a.code}</code>
                          </>
                        ) : null}
                      </td>
                      <td>
                        {a.reviewedAt ? (
                          <W>{t.unit.reviewed(nameOf(a.reviewedBy))}</W>
                        ) : mayReview ? (
                          <PostForm action={`/enhet/larm/${a.seq}`} csrf={c.get('csrf')} class="inline-form">
                            <Button secondary>{t.unit.review}</Button>
                          </PostForm>
                        ) : (
                          t.none
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
        </>
      ),
    });
  });

  app.post('/enhet/larm/:seq', async (c) => {
    const user = userOf(c);
    if (user.role !== 'lead' && user.role !== 'admin') return forbidden(c, deps);
    const seq = Number(c.req.param('seq'));
    if (Number.isSafeInteger(seq)) {
      await deps.db.reviewAlert(seq, user.username, deps.now());
      await logAccess(c, deps, 'alert.review');
    }
    return c.redirect('/enhet#larm', 303);
  });

  return app;
}
