"""Running apps and cost: the user's apps, jobs and endpoints, their prices, Studio's idle
shutdown, and a stop that checks ownership (route ``apps``, CLI ``sm-teamkit apps``)."""
