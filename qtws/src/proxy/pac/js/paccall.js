// SPDX-License-Identifier: LGPL-3.0-or-later
// Calls FindProxyForURLEx (preferred, Microsoft) or FindProxyForURL and reports how it went as
// [kind, value]: kind 0 = returned value, 1 = no function, 2 = thrown value. Not strict, so the
// script's function sees the global object as "this", as in browsers.
// Loaded by PacSandbox (pacsandbox.cpp) from the resource :/qtws/pac/js/paccall.js.
(function (g, beginEvaluation) {
    return function (url, host) {
        beginEvaluation();
        var f = g.FindProxyForURLEx;
        if (typeof f !== 'function') {
            f = g.FindProxyForURL;
            if (typeof f !== 'function')
                return [1];
        }
        try {
            var r = f(url, host);
            return typeof r === 'string' ? r : [0, r];
        } catch (e) {
            return [2, e];
        }
    };
})
