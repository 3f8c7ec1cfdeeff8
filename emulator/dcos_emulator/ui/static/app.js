/* dcos-emulator: the Volumes page. Plain JavaScript, no dependencies, no build step.
 *
 * Everything shown is drawn from public JSON APIs of the page's own origin (the Marathon port):
 *   Marathon  /v2/apps?embed=..., /v2/apps/<id>, /v2/deployments, /v2/events (server-sent events)
 *   Mesos     /mesos/master/slaves  (the master's /master/slaves, at the path DC/OS's Admin Router uses)
 *   emulator  /emulator/volumes     (the external volume store; absent before it existed)
 * Every view lists these URLs in its footer. Authentication is the browser's: basic credentials it asked
 * for once, or the DC/OS token cookie (dcos-acs-auth-cookie) the token form sets.
 *
 * Statuses of reservations and volumes use the vocabulary of dcos.stateful's mesos_volume_info:
 * attached, suspended, unreachable, orphaned, not_marathon (unknown needs no Marathon, so never here).
 */
'use strict';

const SOURCES = {
  apps: '/v2/apps?embed=apps.tasks&embed=apps.counts&embed=apps.deployments',
  deployments: '/v2/deployments',
  slaves: '/mesos/master/slaves',
  volumes: '/emulator/volumes',
};
// The Marathon events that change what the page shows (event_stream_attached etc. are left out: the page's
// own connection would otherwise wake it).
const EVENT_TYPES = [
  'status_update_event', 'instance_changed_event', 'api_post_event', 'app_terminated_event',
  'deployment_info', 'deployment_success', 'deployment_failed', 'deployment_step_success',
  'deployment_step_failure', 'health_status_changed_event', 'instance_health_changed_event',
  'unhealthy_instance_kill_event', 'group_change_success',
];
const EVENTS_URL = '/v2/events?' + EVENT_TYPES.map((t) => 'event_type=' + t).join('&');
// Real Marathon publishes no event for what happens in Mesos alone (operator reservations, volumes destroyed
// after a wipe, agents going away), nor for the wipe of a suspended instance (its condition stays Reserved),
// so the page also reads again every few seconds, sooner while the event stream is down.
const POLL_LIVE_MS = 5000;
const POLL_DOWN_MS = 2000;
const EVENT_DELAY_MS = 100;   // events come in bursts (status update + instance change + deployment step)
const UNREACHABLE_TASK_STATES = ['TASK_UNREACHABLE', 'TASK_LOST', 'TASK_UNKNOWN'];
const MARATHON_FRAMEWORK_LABEL = 'marathon_framework_id';
const MARATHON_TASK_LABEL = 'marathon_task_id';
const UUID = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';
const RESERVATION_OF_TASK = new RegExp('^(.*[._](?:instance-|marathon-)?' + UUID + ')');
const SAFE_ID_OF_RESERVATION = new RegExp('^(.*)[._](?:instance-|marathon-)?' + UUID + '$');

// ---- small helpers ------------------------------------------------------------------------------------

function esc(value) {
  return String(value === undefined || value === null ? '' : value)
    .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

function num(value) {
  if (value === undefined || value === null || value === '') return '';
  const n = Number(value);
  return Number.isFinite(n) ? String(Math.round(n * 1000) / 1000) : esc(value);
}

function status(word) {
  return '<span class="status ' + esc(word) + '">' + esc(word) + '</span>';
}

function appLink(id, tab) {
  return '<a href="#/app' + esc(id) + '/' + (tab || 'volumes') + '">' + esc(id) + '</a>';
}

function table(headers, rows, empty) {
  if (!rows.length) return '<p class="muted">' + esc(empty) + '</p>';
  const head = headers.map((h) => (h.startsWith('#') ? '<th class="num">' + esc(h.slice(1)) + '</th>'
    : '<th>' + esc(h) + '</th>')).join('');
  return '<table><thead><tr>' + head + '</tr></thead><tbody>' + rows.join('') + '</tbody></table>';
}

function row(cells) {
  return '<tr>' + cells.map((c) => (typeof c === 'object' && c !== null && 'num' in c
    ? '<td class="num">' + c.num + '</td>' : '<td>' + c + '</td>')).join('') + '</tr>';
}

function labelsText(labels) {
  const keys = Object.keys(labels || {});
  return keys.length ? keys.map((k) => '<code>' + esc(k) + '=' + esc(labels[k]) + '</code>').join('<br>')
    : '<span class="muted">none</span>';
}

function scalarsText(scalars) {
  return ['cpus', 'mem', 'disk', 'gpus'].filter((k) => scalars[k]).map((k) => k + ' ' + num(scalars[k])).join(', ')
    || '<span class="muted">none</span>';
}

// ---- Mesos resources ----------------------------------------------------------------------------------

function labelsToObject(labels) {
  const out = {};
  for (const label of (labels && labels.labels) || []) out[label.key] = label.value === undefined ? '' : label.value;
  return out;
}

// The last (most refined) reservation of a resource, in either format Mesos renders (pre- and post-refinement).
function currentReservation(resource) {
  const stack = resource.reservations;
  if (stack && stack.length) {
    const last = stack[stack.length - 1];
    const dynamic = last.type ? last.type === 'DYNAMIC' : ('principal' in last || 'labels' in last);
    return { dynamic, role: last.role, principal: last.principal, labels: labelsToObject(last.labels) };
  }
  if (!resource.role || resource.role === '*') return null;
  const reservation = resource.reservation;
  if (!reservation) return { dynamic: false, role: resource.role, principal: null, labels: {} };
  return { dynamic: true, role: resource.role, principal: reservation.principal,
           labels: labelsToObject(reservation.labels) };
}

function persistenceId(resource) {
  const disk = resource.disk;
  return disk && disk.persistence && disk.persistence.id ? disk.persistence.id : null;
}

function scalarValue(resource) {
  return Number((resource.scalar && resource.scalar.value) || 0);
}

function zoneOf(agent) {
  const domain = agent.domain && agent.domain.fault_domain;
  if (!domain) return null;
  return { region: domain.region && domain.region.name, zone: domain.zone && domain.zone.name };
}

// ---- joining Mesos with Marathon (as mesos_volume_info does) -------------------------------------------

function safeAppId(id) { return String(id || '').replace(/^\/+|\/+$/g, '').replace(/\//g, '_'); }

function reservationIdOfTask(taskId) {
  const match = RESERVATION_OF_TASK.exec(taskId || '');
  return match ? match[1] : taskId;
}

function taskLaunched(task) { return Boolean(task.startedAt || task.stagedAt); }

function isResident(app) {
  return Boolean(app.residency) || ((app.container && app.container.volumes) || []).some((v) => v.persistent);
}

class MarathonIndex {
  constructor(apps) {
    this.appsBySafeId = new Map();
    this.byPersistence = new Map();
    this.byReservation = new Map();
    for (const app of apps) {
      this.appsBySafeId.set(safeAppId(app.id), app.id);
      for (const task of app.tasks || []) {
        const entry = { appId: task.appId || app.id, taskId: task.id, instanceId: reservationIdOfTask(task.id),
                        state: task.state, launched: taskLaunched(task), agentId: task.slaveId };
        this.add(this.byReservation, entry.instanceId, entry);
        for (const local of task.localVolumes || []) this.add(this.byPersistence, local.persistenceId, entry);
      }
    }
  }

  add(index, key, entry) {
    // A relaunched resident instance can list an old terminal task and a new one: keep the launched one.
    const current = index.get(key);
    if (!current || (entry.launched && !current.launched)) index.set(key, entry);
  }

  owner(pid, reservationId) {
    if (pid && this.byPersistence.has(pid)) return this.byPersistence.get(pid);
    if (reservationId && this.byReservation.has(reservationId)) return this.byReservation.get(reservationId);
    return null;
  }

  appFor(pid, reservationId) {
    let safe = null;
    if (pid && pid.split('#').length >= 3) safe = pid.split('#')[0];
    if (!safe) {
      const match = SAFE_ID_OF_RESERVATION.exec(reservationId || '');
      safe = match ? match[1] : null;
    }
    return safe ? this.appsBySafeId.get(safe) || null : null;
  }
}

function classify(labels, pid, index, frameworkIds, agentActive) {
  const frameworkId = labels[MARATHON_FRAMEWORK_LABEL];
  const reservationId = labels[MARATHON_TASK_LABEL];
  if (frameworkId === undefined || reservationId === undefined) {
    return { status: 'not_marathon', reason: 'no Marathon reservation labels' };
  }
  const owner = index.owner(pid, reservationId);
  if (owner) {
    const base = { appId: owner.appId, instanceId: owner.instanceId, taskId: owner.taskId, taskState: owner.state };
    if (UNREACHABLE_TASK_STATES.includes(owner.state)) {
      return { ...base, status: 'unreachable', reason: 'Marathon reports task ' + owner.taskId + ' as ' + owner.state };
    }
    if (agentActive === false) {
      return { ...base, status: 'unreachable', reason: 'the agent holding instance ' + owner.instanceId
        + ' is not active' };
    }
    if (owner.launched) return { ...base, status: 'attached', reason: 'task ' + owner.taskId + ' is launched' };
    return { ...base, status: 'suspended', reason: 'instance ' + owner.instanceId + ' is kept without a launched task' };
  }
  if (frameworkIds.size && !frameworkIds.has(frameworkId)) {
    return { status: 'not_marathon', reason: 'reserved by framework ' + frameworkId + ', not by this Marathon' };
  }
  const appId = index.appFor(pid, reservationId);
  return { appId, status: 'orphaned', reason: appId ? 'app ' + appId + ' exists but no instance owns reservation '
    + reservationId : 'the app is gone (no instance owns reservation ' + reservationId + ')' };
}

// Every dynamic reservation of every agent, grouped by (role, principal, labels), with its volumes; each
// classified. A reservation holding volumes is judged through its volumes.
function audit(slaves, apps) {
  const index = new MarathonIndex(apps);
  const agents = [];
  const pending = [];
  for (const agent of slaves.slaves || []) {
    const inUse = new Set((agent.used_resources_full || []).map(persistenceId).filter(Boolean));
    const groups = new Map();
    for (const resources of Object.values(agent.reserved_resources_full || {})) {
      for (const resource of resources || []) {
        const reservation = currentReservation(resource);
        if (!reservation || !reservation.dynamic) continue;
        const key = JSON.stringify([reservation.role, reservation.principal, reservation.labels]);
        let group = groups.get(key);
        if (!group) {
          group = { agent, role: reservation.role, principal: reservation.principal, labels: reservation.labels,
                    scalars: {}, volumes: [] };
          groups.set(key, group);
        }
        if ((resource.type || 'SCALAR') === 'SCALAR') {
          group.scalars[resource.name] = (group.scalars[resource.name] || 0) + scalarValue(resource);
        }
        const pid = persistenceId(resource);
        if (pid) {
          const volume = resource.disk.volume || {};
          group.volumes.push({ group, pid, containerPath: volume.container_path, size: scalarValue(resource),
                               inUse: inUse.has(pid) });
        }
      }
    }
    agents.push({ agent, reservations: [...groups.values()] });
    for (const group of groups.values()) {
      if (group.volumes.length) group.volumes.forEach((v) => pending.push([v, group.labels, v.pid, agent.active]));
      else pending.push([group, group.labels, null, agent.active]);
    }
  }
  // This Marathon's framework id: learned from the reservations its instances own.
  const frameworkIds = new Set();
  for (const [, labels, pid] of pending) {
    if (labels[MARATHON_FRAMEWORK_LABEL] !== undefined && index.owner(pid, labels[MARATHON_TASK_LABEL])) {
      frameworkIds.add(labels[MARATHON_FRAMEWORK_LABEL]);
    }
  }
  for (const [entry, labels, pid, active] of pending) Object.assign(entry, classify(labels, pid, index, frameworkIds, active));
  const byPid = new Map();
  for (const a of agents) for (const g of a.reservations) for (const v of g.volumes) byPid.set(v.pid, v);
  return { agents, byPid, entries: pending.map((p) => p[0]) };
}

// ---- fetching --------------------------------------------------------------------------------------------

class AuthNeeded extends Error {
  constructor(url, challenge) {
    super('401 from ' + url);
    this.challenge = challenge || '';
  }
}

// Absolute URLs on the page's origin: a page opened as http://user:pass@host/ has a base URL with credentials,
// and fetch() refuses any URL resolved against it (the browser still sends the credentials it was given).
function onOrigin(path) { return location.origin + path; }

async function getJson(url) {
  const response = await fetch(onOrigin(url), { credentials: 'same-origin', cache: 'no-store',
                                      headers: { Accept: 'application/json' } });
  if (response.status === 401) throw new AuthNeeded(url, response.headers.get('WWW-Authenticate'));
  let body = null;
  try { body = await response.json(); } catch (e) { body = null; }
  return { url, status: response.status, ok: response.ok, body };
}

function must(result) {
  if (!result.ok || result.body === null) {
    const message = result.body && result.body.message ? ': ' + result.body.message : '';
    throw new Error(result.url + ' answered ' + result.status + message);
  }
  return result.body;
}

// The volume store answers 404 when the emulator has none (the Marathon port's router answers an unknown path
// as Marathon 1.10 does: 500 {"message": "URI not found"}); both mean "no external volume store".
function storeOf(result) {
  if (result.status === 404 || (result.status === 500 && result.body && result.body.message === 'URI not found')) {
    return null;
  }
  return must(result);
}

// ---- views ------------------------------------------------------------------------------------------------

function parseRoute() {
  let hash;
  try {
    hash = decodeURIComponent(location.hash.replace(/^#/, '')) || '/services';
  } catch (e) {   // a malformed %-escape typed into the address bar
    hash = '/services';
  }
  const app = /^\/app(\/.+)\/(volumes|instances)$/.exec(hash);
  if (app) return { view: 'app', appId: app[1], tab: app[2] };
  const name = hash.replace(/^\//, '');
  return { view: VIEWS[name] ? name : 'services' };
}

function appUrl(appId) {
  const path = appId.split('/').map(encodeURIComponent).join('/');
  return '/v2/apps' + path + '?embed=app.tasks&embed=app.counts&embed=app.deployments';
}

const VIEWS = {
  services: {
    sources: () => [SOURCES.apps, SOURCES.deployments],
    render: ([apps, deployments]) => renderServices(must(apps).apps || [], must(deployments)),
  },
  app: {
    sources: (route) => [appUrl(route.appId), SOURCES.slaves, SOURCES.volumes],
    render: ([app, slaves, store], route) => renderApp(app, slaves, storeOf(store), route),
  },
  agents: {
    sources: () => [SOURCES.slaves, SOURCES.apps],
    render: ([slaves, apps]) => renderAgents(must(slaves), must(apps).apps || []),
  },
  orphans: {
    sources: () => [SOURCES.slaves, SOURCES.apps],
    render: ([slaves, apps]) => renderOrphans(must(slaves), must(apps).apps || []),
  },
  external: {
    sources: () => [SOURCES.volumes, SOURCES.slaves, SOURCES.apps],
    render: ([store, slaves, apps]) => renderExternal(storeOf(store), must(slaves), must(apps).apps || []),
  },
};

function appStatus(app) {
  if ((app.deployments || []).length) return 'deploying';
  if (!app.instances) return 'suspended';
  if ((app.tasksRunning || 0) >= app.instances) return 'running';
  return 'waiting';
}

function renderServices(apps, deployments) {
  const depRows = deployments.map((d) => row([
    '<code>' + esc(d.id) + '</code>', (d.affectedApps || []).map((id) => appLink(id)).join('<br>'),
    esc(d.currentStep) + ' of ' + esc(d.totalSteps),
    (d.currentActions || []).map((a) => esc(a.action) + ' ' + esc(a.app || a.pod || '')).join('<br>'),
  ]));
  const appRows = apps.map((app) => {
    const tasks = app.tasks || [];
    const suspended = isResident(app) ? tasks.filter((t) => !taskLaunched(t)).length : 0;
    const volumes = (app.container && app.container.volumes || []).filter((v) => v.persistent || v.external).length;
    const health = (app.healthChecks || []).length
      ? num(app.tasksHealthy) + ' healthy, ' + num(app.tasksUnhealthy) + ' unhealthy' : '<span class="muted">no checks</span>';
    return row([appLink(app.id), status(appStatus(app)), { num: num(app.instances) }, { num: num(app.tasksRunning) },
                { num: num(app.tasksStaged) }, { num: num(suspended) }, health, { num: num(volumes) }]);
  });
  return '<h2>Services</h2>'
    + '<h3>Deployments in progress</h3>'
    + table(['Deployment', 'Apps', 'Step', 'Current actions'], depRows, 'No deployment in progress.')
    + '<h3>Apps (' + apps.length + ')</h3>'
    + table(['App', 'Status', '#Instances', '#Running', '#Staged', '#Suspended', 'Health', '#Volumes'], appRows,
            'No apps.');
}

function hostsById(slaves) {
  const hosts = new Map();
  for (const agent of slaves.slaves || []) hosts.set(agent.id, agent);
  return hosts;
}

function renderApp(appResult, slavesResult, store, route) {
  if (appResult.status === 404) {
    return '<h2>' + esc(route.appId) + '</h2><p>App ' + esc(route.appId) + ' does not exist. '
      + '<a href="#/services">All services</a></p>';
  }
  const app = must(appResult).app;
  const slaves = must(slavesResult);
  const agents = hostsById(slaves);
  const tabs = ['volumes', 'instances'].map((tab) => '<a href="#/app' + esc(app.id) + '/' + tab + '"'
    + (tab === route.tab ? ' class="current"' : '') + '>' + (tab === 'volumes' ? 'Volumes' : 'Instances') + '</a>');
  const head = '<h2>' + esc(app.id) + ' ' + status(appStatus(app)) + '</h2><div class="tabs">' + tabs.join('')
    + '<a href="#/services">All services</a></div>';
  const tasks = app.tasks || [];
  if (route.tab === 'instances') {
    const rows = tasks.map((t) => row(['<code>' + esc(t.id) + '</code>', esc(t.host), status(t.state),
      esc(t.stagedAt || ''), esc(t.startedAt || ''),
      (t.healthCheckResults || []).map((h) => (h.alive ? 'healthy' : 'unhealthy')).join(', ')]));
    return head + table(['Task', 'Agent host', 'State', 'Staged at', 'Started at', 'Health'], rows,
                        'No instances.');
  }
  const volumes = (app.container && app.container.volumes) || [];
  const sizes = new Map(volumes.filter((v) => v.persistent).map((v) => [v.containerPath, v.persistent.size]));
  const mesos = audit(slaves, [app]).byPid;
  const localRows = [];
  for (const task of tasks) {
    const unreachable = UNREACHABLE_TASK_STATES.includes(task.state)
      || (agents.has(task.slaveId) && agents.get(task.slaveId).active === false);
    // The persistent-volumes document's words: a volume is attached while its instance runs, else detached.
    const word = unreachable ? 'unreachable' : (taskLaunched(task) ? 'attached' : 'detached');
    for (const local of task.localVolumes || []) {
      const listed = mesos.get(local.persistenceId);
      const onAgent = listed ? (listed.inUse ? 'in use' : 'reserved, not in use') : 'not listed';
      localRows.push(row([esc(local.containerPath), { num: num(sizes.get(local.containerPath)) },
        '<code>' + esc(local.persistenceId) + '</code>', esc(task.host), status(word), esc(task.state), onAgent]));
    }
  }
  const externalRows = volumes.filter((v) => v.external).map((v) => {
    const ext = v.external;
    const options = ext.options || {};
    const driver = options['dvdi/driver'] || ext.provider || '';
    let zone = '<span class="muted">no external volume store</span>';
    let state = zone;
    if (store) {
      const found = (store.volumes || []).filter((s) => s.name === ext.name);
      zone = found.length ? found.map((s) => esc(s.zone || '')).join(', ') : '<span class="muted">not created yet</span>';
      state = found.length ? found.map((s) => status(s.state) + (s.attachedTo && agents.has(s.attachedTo)
        ? ' on ' + esc(agents.get(s.attachedTo).hostname) : '')).join(', ') : '';
    }
    return row([esc(v.containerPath), esc(driver), '<code>' + esc(ext.name) + '</code>', zone, state,
                { num: num(ext.size) }]);
  });
  let body = '<h3>Local persistent volumes</h3>'
    + table(['Container path', '#Size (MiB)', 'Persistence id', 'Agent host', 'Status', 'Task state', 'Mesos'],
            localRows, sizes.size ? 'No volumes: no instance holds one.' : 'This app has no local persistent volume.');
  if (externalRows.length) {
    body += '<h3>External volumes</h3>'
      + table(['Container path', 'Driver', 'Name', 'Zone', 'State', '#Size (GiB)'], externalRows, '');
  }
  return head + body;
}

function agentTotals(agent) {
  const pick = (o) => ({ cpus: Number((o || {}).cpus || 0), mem: Number((o || {}).mem || 0),
                         disk: Number((o || {}).disk || 0) });
  const total = pick(agent.resources);
  const used = pick(agent.used_resources);
  const reserved = { cpus: 0, mem: 0, disk: 0 };
  for (const byRole of Object.values(agent.reserved_resources || {})) {
    for (const k of Object.keys(reserved)) reserved[k] += Number((byRole || {})[k] || 0);
  }
  const free = {};
  for (const k of Object.keys(total)) free[k] = Math.max(0, total[k] - used[k]);
  return { total, reserved, used, free };
}

function renderAgents(slaves, apps) {
  const { agents } = audit(slaves, apps);
  if (!agents.length) return '<h2>Agents</h2><p class="muted">No agents.</p>';
  const parts = agents.map(({ agent, reservations }) => {
    const zone = zoneOf(agent);
    const totals = agentTotals(agent);
    const resourceRows = ['total', 'reserved', 'used', 'free'].map((k) => row([k,
      { num: num(totals[k].cpus) }, { num: num(totals[k].mem) }, { num: num(totals[k].disk) }]));
    const reservationRows = reservations.map((g) => row([esc(g.role), esc(g.principal || ''), labelsText(g.labels),
      scalarsText(g.scalars),
      g.volumes.length ? g.volumes.map((v) => '<code>' + esc(v.pid) + '</code> ' + num(v.size) + ' MiB '
        + status(v.status)).join('<br>') : '<span class="muted">none</span> ' + status(g.status)]));
    return '<section class="agent"><h3>' + esc(agent.hostname) + ' <span class="muted mono">' + esc(agent.id)
      + '</span></h3><p>Zone: ' + (zone ? esc(zone.zone) + ' (region ' + esc(zone.region) + ')'
      : '<span class="muted">none</span>') + ' · <span class="status ' + (agent.active ? 'running">active' : 'unreachable">inactive') + '</span></p>'
      + table(['Resources', '#cpus', '#mem (MiB)', '#disk (MiB)'], resourceRows, '')
      + table(['Role', 'Principal', 'Labels', 'Reserved', 'Volumes'], reservationRows, 'No dynamic reservations.')
      + '</section>';
  });
  return '<h2>Agents (' + agents.length + ')</h2>' + parts.join('');
}

function renderOrphans(slaves, apps) {
  const { entries } = audit(slaves, apps);
  const counts = {};
  for (const word of ['attached', 'suspended', 'unreachable', 'orphaned', 'not_marathon']) counts[word] = 0;
  for (const e of entries) counts[e.status] = (counts[e.status] || 0) + 1;
  const summary = '<p class="summary">' + Object.keys(counts).map((k) => '<span>' + status(k) + ' '
    + counts[k] + '</span>').join('') + '</p>';
  const rows = entries.filter((e) => e.status === 'orphaned' || e.status === 'not_marathon').map((e) => {
    const group = e.group || e;
    const what = e.pid ? 'volume <code>' + esc(e.pid) + '</code> ' + num(e.size) + ' MiB'
      : 'reservation ' + scalarsText(group.scalars);
    return row([what, esc(group.agent.hostname), esc(group.role), esc(group.principal || ''), labelsText(group.labels),
                status(e.status), esc(e.reason)]);
  });
  return '<h2>Orphans</h2><p class="muted">Reservations and volumes no app instance owns (statuses as in '
    + 'dcos.stateful.mesos_volume_info).</p>' + summary
    + table(['What', 'Agent host', 'Role', 'Principal', 'Labels', 'Status', 'Reason'], rows,
            'Nothing orphaned: every reservation and volume belongs to an app instance.');
}

function renderExternal(store, slaves, apps) {
  if (!store) {
    return '<h2>External volumes</h2><p>No external volume store: <code>GET /emulator/volumes</code> answers 404 '
      + '(this emulator keeps no external volumes).</p>';
  }
  const agents = hostsById(slaves);
  const users = new Map();
  for (const app of apps) {
    for (const v of (app.container && app.container.volumes) || []) {
      if (v.external && v.external.name) users.set(v.external.name, (users.get(v.external.name) || []).concat(app.id));
    }
  }
  const rows = (store.volumes || []).map((v) => row(['<code>' + esc(v.name) + '</code>', esc(store.driver || ''),
    esc(v.zone || ''), status(v.state || ''),
    v.attachedTo ? esc(agents.has(v.attachedTo) ? agents.get(v.attachedTo).hostname : v.attachedTo) : '',
    { num: num(v.size) }, esc(v.type || ''), '<code>' + esc(v.id || '') + '</code>',
    (users.get(v.name) || []).map((id) => appLink(id)).join('<br>')]));
  return '<h2>External volumes</h2><p class="muted">Driver ' + esc(store.driver || '') + (store.backend
    ? ', backend ' + esc(store.backend) : '') + '.</p>'
    + table(['Name', 'Driver', 'Zone', 'State', 'Attached to', '#Size (GiB)', 'Type', 'Id', 'Used by'], rows,
            'No external volumes.');
}

// ---- the page: render, refresh, follow events --------------------------------------------------------------

const page = {
  refreshing: false,
  again: false,
  timer: null,
  dueAt: 0,
  events: null,
  live: false,
  lastHtml: '',
  rendered: new Set(),
};

function setSources(urls) {
  // The event stream's URL is long (one event_type per followed event): shown by its path.
  const links = urls.map((url) => '<a href="' + esc(url) + '">' + esc(url) + '</a>')
    .concat('<a href="' + esc(EVENTS_URL) + '">/v2/events</a>');
  document.getElementById('sources').innerHTML = links.join(' ');
}

function showNotice(html) {
  const notice = document.getElementById('notice');
  notice.hidden = !html;
  notice.innerHTML = html || '';
}

async function renderRoute() {
  const route = parseRoute();
  const view = VIEWS[route.view];
  const urls = view.sources(route);
  setSources(urls);
  for (const a of document.querySelectorAll('nav a')) {
    a.classList.toggle('current', a.dataset.view === route.view);
  }
  let html;
  try {
    const results = await Promise.all(urls.map(getJson));
    html = view.render(results, route);
    showNotice('');
    document.getElementById('login').hidden = true;
  } catch (error) {
    if (error instanceof AuthNeeded) {
      askForCredentials(error.challenge);
      return;
    }
    showNotice('Could not read the data: ' + esc(error.message));
    return;
  }
  if (html !== page.lastHtml) {
    document.getElementById('view').innerHTML = html;
    page.lastHtml = html;
  }
  document.getElementById('updated').textContent = 'updated ' + new Date().toLocaleTimeString();
  document.body.dataset.view = route.view;
  if (!page.rendered.has(route.view)) {
    page.rendered.add(route.view);
    performance.mark('rendered:' + route.view);   // read by bench/bench_emulator_ui.py
  }
  if (!page.events) followEvents();
}

function askForCredentials(challenge) {
  if (/^\s*oauthjwt/i.test(challenge)) {
    document.getElementById('login').hidden = false;
    showNotice('Marathon needs a DC/OS authentication token.');
  } else {
    showNotice('Marathon asks for its HTTP credentials. Reload the page: the browser asks for them once and then '
      + 'sends them with every request of this page.');
  }
}

async function refresh() {
  if (page.refreshing) {
    page.again = true;
    return;
  }
  page.refreshing = true;
  try {
    do {
      page.again = false;
      await renderRoute();
    } while (page.again);
  } finally {
    page.refreshing = false;
    refreshIn(page.live ? POLL_LIVE_MS : POLL_DOWN_MS);
  }
}

// Refresh after `ms` unless a refresh is already due sooner.
function refreshIn(ms) {
  const due = Date.now() + ms;
  if (page.timer !== null && page.dueAt <= due) return;
  clearTimeout(page.timer);
  page.dueAt = due;
  page.timer = setTimeout(() => {
    page.timer = null;
    refresh();
  }, ms);
}

function setLive(live) {
  page.live = live;
  const badge = document.getElementById('live');
  badge.textContent = live ? 'live' : 'not live (reading every ' + POLL_DOWN_MS / 1000 + ' s)';
  badge.className = 'live ' + (live ? 'on' : 'off');
}

function followEvents() {
  if (page.events) page.events.close();
  const events = new EventSource(onOrigin(EVENTS_URL), { withCredentials: true });
  page.events = events;
  events.onopen = () => {
    setLive(true);
    refreshIn(0);   // what changed while the stream was down
  };
  events.onerror = () => {
    setLive(false);
    if (events.readyState === EventSource.CLOSED) page.events = null;   // e.g. a 401: reopened after a good read
  };
  for (const type of EVENT_TYPES) events.addEventListener(type, () => refreshIn(EVENT_DELAY_MS));
}

function start() {
  setLive(false);
  document.getElementById('login').addEventListener('submit', (event) => {
    event.preventDefault();
    const field = document.getElementById('token');
    document.cookie = 'dcos-acs-auth-cookie=' + encodeURIComponent(field.value.trim()) + '; path=/; SameSite=Strict';
    field.value = '';
    if (page.events) page.events.close();
    page.events = null;
    refreshIn(0);
  });
  window.addEventListener('hashchange', () => refreshIn(0));
  refresh();
}

document.addEventListener('DOMContentLoaded', start);
