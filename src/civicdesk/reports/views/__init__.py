"""The report pages (issue 7): pages (the four reports and the supervisor's actions),
downloads (xlsx / pdf / csv / json), targets (予定件数); periods and display are helpers."""
