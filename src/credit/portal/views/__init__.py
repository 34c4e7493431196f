"""Pages of the portal (门户网站): the public pages that need no login (:mod:`.public`) and the
staff pages that manage the portal's notices (:mod:`.notices`)."""
