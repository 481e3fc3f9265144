"""The support centre's services, by subject: support requests that wait out the owner's
objection window (``ownership``), the case queue (``cases``), and accounts and staff
(``accounts``). Its admin pages, views and jobs call these; no app below support does."""
