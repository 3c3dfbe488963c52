"""The purposes of the verification codes foreignwork sends (kernel/verification.py).

A code is bound to its target and its purpose: one issued for a reset cannot open an appeal.
"""

#: FW-03: the code of a password reset by login name, sent to the account's reserved mobile
#: or e-mail.
RESET_CODE = "foreignwork.password-reset"
#: FW-04: the code of a natural person's appeal, sent to the mobile the appeal gives.
APPEAL_CODE = "foreignwork.appeal"

PURPOSES = (RESET_CODE, APPEAL_CODE)
