// The "Example where we break the event queue" from Tracardi's advanced configuration docs,
// verbatim, run while the document is still loading.
window.tracker.track("purchase-order", {"product": "Sun glasses - Badoo", "price": 13.45})
window.tracker.track("interest", {"Eletronics": ["Mobile phones", "Accessories"]}, {"fire": true}) //(1)
window.tracker.track("page-view",{});

demoLog('3 events tracked before load (document.readyState = ' + document.readyState + ')');
addEventListener('load', function () { demoLog('load event'); });
