import './base.css';
import './apps.css';
import './storage.css';
import './proxies.css';
import './kernels.css';
import './statusbar.css';
