'use strict';
// select2, behind the admin's autocomplete pickers, shows the choice in a role="textbox" span
// that has no name of its own, so screen readers announce an unnamed field (axe:
// aria-input-field-name). Give each such span the text of its field's <label>.
{
    const nameBoxes = function() {
        document.querySelectorAll('select.admin-autocomplete').forEach(function(select) {
            const container = select.nextElementSibling;
            const box = container && container.querySelector('.select2-selection__rendered[role="textbox"]');
            const label = select.id && document.querySelector('label[for="' + CSS.escape(select.id) + '"]');
            if (box && label && !box.hasAttribute('aria-label')) {
                box.setAttribute('aria-label', label.textContent.replace(/:\s*$/, '').trim());
            }
        });
    };
    document.addEventListener('DOMContentLoaded', function() {
        nameBoxes();
        // Inline rows added later get their pickers then.
        new MutationObserver(nameBoxes).observe(document.body, {childList: true, subtree: true});
    });
}
