/* The admin's selection counter in Persian digits on a Persian page (R40).

   Django's admin/js/actions.js writes "0 of 17 selected" into .action-counter on load, on
   each ticked box and on pageshow, with Latin digits. This converts the counter's digits
   whenever it changes. A file, loaded by templates/admin/base_site.html on Persian pages:
   the Content-Security-Policy allows no inline script. */
'use strict';
{
    const PERSIAN_DIGITS = '۰۱۲۳۴۵۶۷۸۹';

    function toPersianDigits(text) {
        return text.replace(/[0-9]/g, (digit) => PERSIAN_DIGITS[digit]);
    }

    function convert(element) {
        const converted = toPersianDigits(element.textContent);
        if (converted !== element.textContent) {  // unchanged text ends the observer's round
            element.textContent = converted;
        }
    }

    function watchCounters() {
        if (!document.documentElement.lang.startsWith('fa')) {
            return;
        }
        for (const counter of document.querySelectorAll('.action-counter')) {
            convert(counter);
            new MutationObserver(() => convert(counter)).observe(counter, {
                childList: true, characterData: true, subtree: true
            });
        }
    }

    if (document.readyState !== 'loading') {
        watchCounters();
    } else {
        document.addEventListener('DOMContentLoaded', watchCounters);
    }
}
