import './base.css';
import './apps.css';
import './storage.css';
