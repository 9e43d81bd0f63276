// Theme and low-bandwidth mode before the first paint (no flash of the wrong theme). A file of
// its own, not an inline script: the Content-Security-Policy allows scripts from self only.
try {
  var p = JSON.parse(localStorage.getItem('atrium.prefs') || '{}');
  var d = document.documentElement;
  var dark = p.theme ? p.theme === 'dark' || (p.theme === 'system' && matchMedia('(prefers-color-scheme: dark)').matches) : true;
  d.dataset.theme = dark ? 'dark' : 'light';
  if (p.lowBandwidth) d.dataset.lowbw = 'true';
} catch (e) {}
