"""The mail outbox: every mail is a row written in the transaction of the change that causes it;
workers deliver the rows (``elearn.outbox.delivery``), admins watch them at ``/admin/mail``."""
