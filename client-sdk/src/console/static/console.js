// The console's one script. Every page works without it; it adds:
// - live updates: the page listens to /handelser and, when told, fetches itself again and swaps the
//   parts marked data-live (by id), announcing the update to screen readers;
// - desktop notifications, if the user turns them on, that say only "a new referral has arrived";
// - the signed consent form's SHA-256, computed here with WebCrypto: the file never leaves the computer
//   (its input has no name, so the form cannot send it; the field is also cleared after hashing);
// - focus on the error summary when a form comes back with errors.
// No inline script or style anywhere: the Content-Security-Policy forbids both.

(() => {
  const body = document.body;

  function base64url(bytes) {
    let s = '';
    for (const b of bytes) s += String.fromCharCode(b);
    return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  // Error summary first: a keyboard or screen-reader user lands on what to fix.
  const summary = document.querySelector('[data-focus]');
  if (summary) summary.focus();

  // Parts that belong to one answer of a radio group are shown only while it is chosen.
  for (const part of document.querySelectorAll('[data-reveal-when]')) {
    const [name, value] = part.dataset.revealWhen.split('=');
    const radios = Array.from(document.querySelectorAll('input[type=radio]')).filter((r) => r.name === name);
    const update = () => {
      const chosen = radios.find((r) => r.checked);
      part.hidden = !chosen || chosen.value !== value;
    };
    for (const r of radios) r.addEventListener('change', update);
    update();
  }

  // The consent form's checksum.
  for (const input of document.querySelectorAll('input[type=file][data-hash-into]')) {
    const target = document.getElementById(input.dataset.hashInto);
    const status = document.getElementById(input.dataset.hashStatus);
    if (!window.crypto?.subtle) {
      if (status) status.textContent = body.dataset.hashUnavailable || '';
      continue;
    }
    input.addEventListener('change', async () => {
      const file = input.files?.[0];
      if (!file || !target) return;
      const digest = await window.crypto.subtle.digest('SHA-256', await file.arrayBuffer());
      target.value = base64url(new Uint8Array(digest));
      input.value = '';
      if (status) status.textContent = body.dataset.hashDone || '';
    });
  }

  const liveUrl = body.dataset.live;
  if (!liveUrl || !window.EventSource) return;

  // Desktop notifications: only after the user asks, and never with personal data.
  const notifyButton = document.getElementById('notify-button');
  const explain = document.getElementById('notify-explain');
  if (notifyButton && 'Notification' in window && Notification.permission !== 'denied') {
    const shown = () => {
      notifyButton.hidden = true;
      if (explain) {
        explain.hidden = false;
        explain.textContent = `${body.dataset.notifyEnabled || ''} ${explain.textContent}`;
      }
    };
    if (Notification.permission === 'granted') shown();
    else {
      notifyButton.hidden = false;
      if (explain) explain.hidden = false;
      notifyButton.addEventListener('click', async () => {
        if ((await Notification.requestPermission()) === 'granted') shown();
      });
    }
  }

  const announce = document.getElementById('live-status');
  let refreshing = false;
  let again = false;

  async function refresh() {
    if (refreshing) {
      again = true;
      return;
    }
    refreshing = true;
    try {
      do {
        again = false;
        const res = await fetch(window.location.href, {
          headers: { 'x-brygga-live': '1' },
          credentials: 'same-origin',
          redirect: 'manual',
        });
        if (res.type === 'opaqueredirect' || res.status === 401 || res.status === 403) {
          window.location.reload();
          return;
        }
        if (!res.ok) return;
        const doc = new DOMParser().parseFromString(await res.text(), 'text/html');
        let changed = false;
        for (const fresh of doc.querySelectorAll('[data-live][id]')) {
          const current = document.getElementById(fresh.id);
          if (current && current.innerHTML !== fresh.innerHTML) {
            current.replaceChildren(...Array.from(fresh.childNodes, (n) => document.importNode(n, true)));
            changed = true;
          }
        }
        if (changed && announce) announce.textContent = body.dataset.updatedText || '';
      } while (again);
    } finally {
      refreshing = false;
    }
  }

  const events = new EventSource(liveUrl);
  // 'ready' comes each time the stream (re)connects: whatever changed between this page being drawn
  // and the stream opening (or while it was away) would otherwise never reach the page.
  events.addEventListener('ready', () => void refresh());
  events.addEventListener('update', () => void refresh());
  events.addEventListener('referral', () => {
    void refresh();
    if ('Notification' in window && Notification.permission === 'granted') {
      // Nothing about the case: the notification may show on a shared or locked screen.
      new Notification(body.dataset.notifyText || 'Brygga');
    }
  });
  events.addEventListener('expired', () => {
    events.close();
    window.location.reload();
  });
})();
