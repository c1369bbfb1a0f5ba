"""Storage usage: scan the home, configured roots and EFS mounts (walk, scan, parallel), break
the result down (report, categories, prices), empty recognised categories (cleanup), publish
and read the team view (team). StorageService (service) ties them together for the server."""
